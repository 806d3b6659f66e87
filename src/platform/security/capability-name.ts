// The one matching rule for capability names. A name is segments joined by ':' and
// '.', e.g. `agents:call:order.create`. A granted name matches a required one when
// they are equal, or when the granted name has wildcards:
//   - a `*` at the very end matches the rest of the name, whatever it contains
//     (`agents:*` grants `agents:call:order.create`);
//   - a `*` anywhere else matches one segment's characters: no ':' and no '.'
//     (`agents:call:*.read` grants `agents:call:order.read`, not `agents:call:a.b.read`).
// `admin` is granted every capability.
import { z } from "zod";

export const ADMIN = "admin";

export const capabilityNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_*-]+(?:[:.][A-Za-z0-9_*-]+)*$/, "must be segments of A-Z a-z 0-9 _ - * joined by ':' or '.'");

const compiled = new Map<string, RegExp>();

const patternOf = (granted: string): RegExp => {
  let pattern = compiled.get(granted);
  if (!pattern) {
    const trailing = granted.endsWith("*");
    const body = trailing ? granted.slice(0, -1) : granted;
    const source = body
      .split("*")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("[^:.]*");
    pattern = new RegExp(`^${source}${trailing ? ".*" : ""}$`);
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(granted, pattern);
  }
  return pattern;
};

export const capabilityMatches = (granted: string, required: string): boolean =>
  granted === ADMIN || granted === required || (granted.includes("*") && patternOf(granted).test(required));
