// @ts-check
// Placeholder for the run page (built on branch dash-b). Contract: see ../app.js.
import { h } from "../dom.js";

/** @param {HTMLElement} root */
export const render = async (root) => {
  root.append(h("h1", {}, "run"), h("p", { class: "muted" }, "Not built yet."));
};
