// @ts-check
// Placeholder for the agents page (being built on branch dash-a). Contract: see ../app.js.
import { h } from "../dom.js";

/** @param {HTMLElement} root */
export const render = async (root) => {
  root.append(h("h1", {}, "agents"), h("p", { class: "muted" }, "Not built yet."));
};
