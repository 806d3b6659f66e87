// Why: the decision a group controller takes on each evaluation, as a pure function so
// that its rules can be pinned by properties: stay within [min, max]; grow only when the
// load figure has stayed above the target for SUSTAIN_MS, shrink only when it has stayed
// low enough that one member fewer would still be under the target; never act twice
// within the cooldown (except to restore min/max, which waits for nothing).
import { SUSTAIN_MS } from "./limits.ts";
import type { ScaleSignal } from "./schemas.ts";

export type ScalePolicy = { min: number; max: number; scale: { on: ScaleSignal; target: number; cooldownMs: number } };

export type ScaleInput = {
  now: number;
  policy: ScalePolicy;
  /** Members taking calls (active, not draining). */
  active: number;
  /** The signal per member (mean over the active members whose load was read); null when none was. */
  figure: number | null;
  /** Calls arrived that found no member to take them (a group at 0 members). */
  unserved: boolean;
  aboveSince: number | null;
  belowSince: number | null;
  lastScaleAt: number | null;
};

export type ScaleDecision = { desired: number; reason: string | null; aboveSince: number | null; belowSince: number | null };

/** Calls in flight and queued add up over members; an error rate does not. */
const additive = (signal: ScaleSignal): boolean => signal !== "error_rate";

const round = (n: number): number => Math.round(n * 1000) / 1000;

export const decideScale = (input: ScaleInput): ScaleDecision => {
  const { now, policy, active, figure } = input;
  const { min, max, scale } = policy;
  if (active < min) return { desired: min, reason: `below min (${active} < ${min})`, aboveSince: null, belowSince: null };
  if (active > max) return { desired: max, reason: `above max (${active} > ${max})`, aboveSince: null, belowSince: null };
  if (active === 0) {
    return input.unserved && max > 0
      ? { desired: 1, reason: "calls arrived with no member", aboveSince: null, belowSince: null }
      : { desired: 0, reason: null, aboveSince: null, belowSince: null };
  }
  if (figure === null) return { desired: active, reason: null, aboveSince: null, belowSince: null };

  const above = figure > scale.target;
  // One member fewer would carry the same total load; an error rate is compared as it is.
  const projected = additive(scale.on) ? (active > 1 ? (figure * active) / (active - 1) : Number.POSITIVE_INFINITY) : figure;
  const below = !above && active > min && projected < scale.target;
  const aboveSince = above ? (input.aboveSince ?? now) : null;
  const belowSince = below ? (input.belowSince ?? now) : null;
  const cooled = input.lastScaleAt === null || now - input.lastScaleAt >= scale.cooldownMs;
  const hold = { desired: active, reason: null, aboveSince, belowSince };
  if (!cooled) return hold;

  if (aboveSince !== null && now - aboveSince >= SUSTAIN_MS && active < max) {
    // Proportional: as many members as keep the figure at the target, at least one more.
    const wanted = additive(scale.on) ? Math.ceil((figure * active) / scale.target) : active + 1;
    const desired = Math.min(max, Math.max(active + 1, wanted));
    return { desired, reason: `${scale.on} ${round(figure)} above target ${scale.target} for ${now - aboveSince} ms`, aboveSince: null, belowSince: null };
  }
  if (belowSince !== null && now - belowSince >= SUSTAIN_MS && active > min) {
    return { desired: active - 1, reason: `${scale.on} ${round(figure)} low enough for ${active - 1} members for ${now - belowSince} ms`, aboveSince: null, belowSince: null };
  }
  return hold;
};
