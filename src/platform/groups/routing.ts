// Why: which member takes a call, which one retires, and the group's load figure, as
// pure functions of what the controller knows: each member's last polled load plus the
// calls routed to it since (so a burst between two polls spreads instead of piling on
// the member that looked idle).
import type { MemberState, ScaleSignal } from "./schemas.ts";

export type MemberLoad = { inFlight: number; queueLength: number; errorRate: number };

export type MemberInfo = {
  id: string;
  seq: number;
  state: MemberState;
  healthy: boolean;
  load: MemberLoad | null;
  /** Calls routed to it since its load was last read. */
  routed: number;
};

const score = (m: MemberInfo): number => (m.load ? m.load.inFlight + m.load.queueLength : 0) + m.routed;

/** The least-loaded healthy active member (fewest routed, then lowest seq, on a tie); null when there is none. */
export const pickMember = (members: readonly MemberInfo[], avoid: ReadonlySet<string> = new Set()): MemberInfo | null => {
  let best: MemberInfo | null = null;
  for (const m of members) {
    if (m.state !== "active" || !m.healthy || avoid.has(m.id)) continue;
    if (best === null || score(m) < score(best) || (score(m) === score(best) && (m.routed < best.routed || (m.routed === best.routed && m.seq < best.seq)))) best = m;
  }
  return best;
};

/** The member to retire: the least-loaded active one, the newest on a tie. */
export const pickRetiree = (members: readonly MemberInfo[]): MemberInfo | null => {
  let best: MemberInfo | null = null;
  for (const m of members) {
    if (m.state !== "active") continue;
    if (best === null || score(m) < score(best) || (score(m) === score(best) && m.seq > best.seq)) best = m;
  }
  return best;
};

/** The signal per active member whose load was read; null when none was. */
export const groupFigure = (signal: ScaleSignal, members: readonly MemberInfo[]): number | null => {
  const read = members.filter((m) => m.state === "active" && m.load !== null);
  if (read.length === 0) return null;
  const value = (l: MemberLoad) => (signal === "in_flight" ? l.inFlight : signal === "queue" ? l.queueLength : l.errorRate);
  return read.reduce((sum, m) => sum + value(m.load as MemberLoad), 0) / read.length;
};
