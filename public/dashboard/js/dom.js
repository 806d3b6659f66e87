// @ts-check
// A tiny element helper for the dashboard's pages: build elements with attributes,
// listeners and children (text is always text, never parsed as HTML), and sections whose
// data may be denied: a 403 shows "not permitted (needs <capability>)" in the section
// instead of an error. No inline styles (the CSP refuses them): look comes from classes.
import { ApiError, forbiddenText } from "./api.js";

/**
 * @param {string} tag
 * @param {Record<string, any>} [attrs] `on<event>` adds a listener; true sets an empty attribute; false/null/undefined skips it
 * @param {...any} children strings, numbers, nodes, arrays of them; null/false skipped
 * @returns {HTMLElement}
 */
export const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "value" && "value" in el) /** @type {any} */ (el).value = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
};

/** @param {Element} el @param {any[]} children */
const append = (el, children) => {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
};

/** A card with a heading and a body to fill; `testid` names it for tests. */
export const section = (/** @type {string} */ title, /** @type {string} */ testid, ...children) => {
  const body = h("div", { class: "card-body" }, ...children);
  const card = h("section", { class: "card", "data-testid": testid }, h("h2", {}, title), body);
  return { card, body };
};

/**
 * Fills `target` with what `draw` answers; on a 403 with "not permitted (needs ...)", on
 * another failure with its message. Answers whether it drew.
 * @param {Element} target
 * @param {() => Promise<Node | Node[] | string | null | undefined>} draw
 */
export const fill = async (target, draw) => {
  try {
    const content = await draw();
    target.replaceChildren();
    if (content !== null && content !== undefined) append(target, [content]);
    return true;
  } catch (error) {
    target.replaceChildren(problemNote(error));
    return false;
  }
};

/** The note for a failed request: "not permitted (...)" for 403, else the problem's text. */
export const problemNote = (/** @type {unknown} */ error) => {
  if (error instanceof ApiError && error.status === 403) return h("p", { class: "denied", "data-testid": "not-permitted" }, forbiddenText(error));
  if (error instanceof DOMException && error.name === "AbortError") return h("p", { class: "muted" }, "");
  const message = error instanceof Error ? error.message : String(error);
  const fields = error instanceof ApiError && Array.isArray(error.problem?.errors) ? error.problem.errors : [];
  return h(
    "div",
    { class: "error", role: "alert" },
    h("p", {}, error instanceof ApiError ? `${error.status}: ${message}` : message),
    fields.length ? h("ul", {}, fields.map((/** @type {any} */ e) => h("li", {}, `${e.path}: ${e.message}`))) : null,
  );
};

/**
 * A table: columns are [heading, cell(row)] pairs; an empty list shows `empty`.
 * @param {[string, (row: any) => any][]} columns
 * @param {any[]} rows
 * @param {string} [empty]
 */
export const table = (columns, rows, empty = "none") => {
  if (rows.length === 0) return h("p", { class: "muted" }, empty);
  return h(
    "table",
    {},
    h("thead", {}, h("tr", {}, columns.map(([heading]) => h("th", {}, heading)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map(([, cell]) => h("td", {}, cell(row)))))),
  );
};

/** JSON shown as preformatted text. */
export const json = (/** @type {unknown} */ value) => h("pre", { class: "json" }, JSON.stringify(value, null, 2));

/** A link that the router follows without reloading the page. */
export const link = (/** @type {string} */ href, ...children) => h("a", { href }, ...children);
