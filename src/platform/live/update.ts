// Why: after each committed change every open socket gets the change, as an RFC 6902
// JSON Patch from the previous version, or the whole state when that is smaller (a
// rewrite of most of the state patches to more than it weighs). Decided once per change,
// serialised once, and sent to every socket as the same string.
import { createPatch, type Operation } from "rfc6902";

export type StateMessage = { type: "state"; version: number; state: unknown };
export type PatchMessage = { type: "patch"; from: number; version: number; patch: Operation[] };

export type Update = { kind: "patch"; patch: Operation[]; patchJson: string; message: string } | { kind: "state"; message: string };

export const stateMessage = (version: number, stateJson: string): string => `{"type":"state","version":${version},"state":${stateJson}}`;

export const patchMessage = (from: number, version: number, patchJson: string): string =>
  `{"type":"patch","from":${from},"version":${version},"patch":${patchJson}}`;

/** The message for the change `from` (state `before`) -> `version` (`after`, whose JSON is `afterJson`). */
export const decideUpdate = (before: unknown, after: unknown, afterJson: string, from: number, version: number): Update => {
  const patch = createPatch(before, after);
  const patchJson = JSON.stringify(patch);
  if (patchJson.length >= afterJson.length) return { kind: "state", message: stateMessage(version, afterJson) };
  return { kind: "patch", patch, patchJson, message: patchMessage(from, version, patchJson) };
};
