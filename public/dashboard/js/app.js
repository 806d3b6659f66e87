// @ts-check
// The dashboard's router and session. The server sends one shell for every page
// (<main id="page" data-page data-id>); this module signs in (a pasted token, kept in
// sessionStorage only), loads ./pages/<page>.js and calls its render(root, ctx), and
// switches pages on link clicks without reloading (history.pushState).
//
// Page module contract: `export async function render(root, ctx)`; it may answer a
// cleanup function, or the module may export `cleanup()`; either runs when the page is
// left. ctx = { id, signal, navigate(path), every(ms, fn) }: `id` of a detail page,
// `signal` aborts when the page is left (pass it to api(); timers from every() stop).
// While a page renders, <main> has data-state="loading", then "ready" (or "error").
//
// Test ids (the shell, src/dashboard/layout.tsx): signin-panel, signin-token,
// signin-submit, signout, session-who; not-permitted on a section a 403 denied.
import { ApiError, api, claimsOf, clearToken, getToken, setToken } from "./api.js";
import { h, problemNote } from "./dom.js";
import { routeOf } from "./routes.js";

const main = /** @type {HTMLElement} */ (document.getElementById("page"));
const signin = /** @type {HTMLFormElement} */ (document.getElementById("signin"));
const tokenInput = /** @type {HTMLInputElement} */ (document.getElementById("signin-token"));
const signinError = /** @type {HTMLElement} */ (document.getElementById("signin-error"));
const session = /** @type {HTMLElement} */ (document.getElementById("session"));
const who = /** @type {HTMLElement} */ (document.getElementById("session-who"));

/** @type {{ controller: AbortController, cleanup?: () => void } | null} */
let current = null;
let generation = 0;

const leave = () => {
  if (!current) return;
  current.controller.abort();
  try {
    current.cleanup?.();
  } catch (error) {
    console.warn("page cleanup failed", error);
  }
  current = null;
};

const showSession = () => {
  const token = getToken();
  signin.hidden = Boolean(token);
  session.hidden = !token;
  const claims = claimsOf(token);
  who.textContent = claims ? `${claims.sub ?? "?"} @ ${claims.tenant ?? "?"}` : "";
};

/** @param {{ page: string, id?: string, nav: string }} route */
const show = async (route) => {
  leave();
  const mine = ++generation;
  main.dataset.page = route.page;
  if (route.id === undefined) delete main.dataset.id;
  else main.dataset.id = route.id;
  for (const a of document.querySelectorAll("#nav a[data-nav]")) {
    if (/** @type {HTMLElement} */ (a).dataset.nav === route.nav) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  document.title = `${route.id ?? route.page} · JidoSystem dashboard`;
  showSession();
  if (!getToken()) {
    main.dataset.state = "signed-out";
    main.replaceChildren(h("p", { class: "muted" }, "Sign in with a token to see this page."));
    return;
  }
  const controller = new AbortController();
  current = { controller };
  main.dataset.state = "loading";
  main.replaceChildren();
  /** @param {number} ms @param {() => unknown} fn */
  const every = (ms, fn) => {
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let timer;
    const tick = async () => {
      if (controller.signal.aborted) return;
      try {
        await fn();
      } catch (error) {
        if (!controller.signal.aborted) console.warn("refresh failed", error);
      }
      if (!controller.signal.aborted) timer = setTimeout(tick, ms);
    };
    controller.signal.addEventListener("abort", () => clearTimeout(timer));
    void tick();
  };
  try {
    const module = await import(`./pages/${route.page}.js`);
    if (mine !== generation) return;
    const result = await module.render(main, { id: route.id, signal: controller.signal, navigate, every });
    const cleanup = typeof result === "function" ? result : module.cleanup;
    if (mine !== generation) {
      cleanup?.();
      return;
    }
    current.cleanup = cleanup;
    main.dataset.state = "ready";
  } catch (error) {
    if (mine !== generation) return;
    main.dataset.state = "error";
    main.replaceChildren(problemNote(error));
  }
};

/** Goes to a dashboard path (pushState when this router knows it, else a page load). */
export const navigate = (/** @type {string} */ path) => {
  const route = routeOf(new URL(path, location.href).pathname);
  if (!route) {
    location.assign(path);
    return;
  }
  history.pushState(null, "", path);
  void show(route);
};

const currentRoute = () => routeOf(location.pathname) ?? { page: main.dataset.page ?? "overview", id: main.dataset.id, nav: "overview" };

document.addEventListener("click", (event) => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = /** @type {Element} */ (event.target).closest?.("a[href]");
  if (!a || a.getAttribute("target")) return;
  const url = new URL(/** @type {HTMLAnchorElement} */ (a).href);
  if (url.origin !== location.origin || !routeOf(url.pathname)) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener("popstate", () => void show(currentRoute()));

signin.addEventListener("submit", async (event) => {
  event.preventDefault();
  const token = tokenInput.value.trim();
  if (!token) return;
  signinError.hidden = true;
  setToken(token);
  try {
    // Any answer but 401 means the token is good (a 403 only says what it may not do).
    await api("/v1/agent-types");
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      clearToken();
      signinError.textContent = `Sign-in failed: ${error.message}`;
      signinError.hidden = false;
      return;
    }
  }
  tokenInput.value = "";
  void show(currentRoute());
});

/** @type {HTMLElement} */ (document.getElementById("signout")).addEventListener("click", () => {
  clearToken();
  void show(currentRoute());
});

window.addEventListener("jido:unauthorized", (event) => {
  clearToken();
  leave();
  showSession();
  const detail = /** @type {CustomEvent} */ (event).detail;
  signinError.textContent = `Signed out: ${detail?.detail ?? detail?.title ?? "the token was refused"}`;
  signinError.hidden = false;
});

void show(currentRoute());
