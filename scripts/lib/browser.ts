// Debian's Chromium driven by playwright-core, for the dashboard's browser test and its
// screenshots script: nothing is downloaded (executablePath; `.ci/run` installs the
// chromium package when it is missing), no sandbox (CI containers), no background
// traffic. `watchProblems` collects what a page must never show: console errors, uncaught
// exceptions, and Content Security Policy violations (the dashboard runs under a strict CSP,
// and a violation is otherwise only a console line).
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.JIDO_CHROMIUM ?? "/usr/bin/chromium";

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync"];

/** Chromium with a fresh context (no profile, no storage) sized for the screenshots. */
export const launchBrowser = async (): Promise<{ browser: Browser; context: BrowserContext }> => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    return { browser, context };
  } catch (error) {
    await browser.close();
    throw error;
  }
};

/** What went wrong in the pages watched, one line each. */
export type Problems = string[];

// Runs in every page before its own scripts (injected by the driver, so the page's CSP
// does not apply to it): a violation becomes a console error the watcher below sees.
const REPORT_VIOLATIONS = `document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});`;

/** Watches every page of `context` (call before opening them) and collects its problems. */
export const watchProblems = async (context: BrowserContext): Promise<Problems> => {
  const problems: Problems = [];
  await context.addInitScript({ content: REPORT_VIOLATIONS });
  const watch = (page: Page) => {
    page.on("console", (message) => {
      const text = message.text();
      if (message.type() === "error" || /Content Security Policy/i.test(text)) problems.push(`console ${message.type()} on ${page.url()}: ${text}`);
    });
    page.on("pageerror", (error) => problems.push(`uncaught on ${page.url()}: ${error.message}`));
    // Chromium logs a failed load without its URL; this names it.
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} for ${response.request().method()} ${response.url()}`);
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  return problems;
};
