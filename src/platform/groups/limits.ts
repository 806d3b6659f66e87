// Why: every input a group takes is bounded, so a group can neither grow without end,
// scale on a cooldown too short to see its own effect, nor remember keys forever.
// README "Agent groups" documents these numbers.
export const GROUP_LIMITS = {
  /** Group ids are ids of at most this many characters (member ids add up to 8). */
  idChars: 64,
  maxMembers: 100,
  minCooldownMs: 1_000,
  maxCooldownMs: 3_600_000,
  defaultCooldownMs: 10_000,
  maxTarget: 1_000_000,
  /** Groups one tenant may create; one more is 409. */
  maxGroupsPerTenant: 100,
  /** Scaling decisions a group keeps in its history (oldest dropped first). */
  historyEntries: 100,
} as const;

/** How often a group evaluates while it is active (it polls each member's load then). */
export const EVALUATION_MS = 2_000;
/** How often an idle group (no call routed for IDLE_AFTER_MS, at its minimum) evaluates. */
export const IDLE_EVALUATION_MS = 30_000;
export const IDLE_AFTER_MS = 60_000;
/** A load figure must stay above (or below) the target this long before the group scales. */
export const SUSTAIN_MS = 4_000;
/** A retiring member gets no call for this long before it may be stopped (calls already routed to it arrive meanwhile). */
export const DRAIN_GRACE_MS = 5_000;
/** A member whose load could not be read within this long counts as unhealthy for that evaluation. */
export const LOAD_POLL_TIMEOUT_MS = 1_000;
