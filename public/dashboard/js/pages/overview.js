// @ts-check
// Placeholder for the overview page (being built on branch dash-a). Contract: see ../app.js.
import { h } from "../dom.js";

/** @param {HTMLElement} root */
export const render = async (root) => {
  root.append(h("h1", {}, "overview"), h("p", { class: "muted" }, "Not built yet."));
};
