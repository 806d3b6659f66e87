// Where an agent is asked to live: a Durable Object location hint (where the runtime
// creates the object on its first request) and a jurisdiction (a legal boundary). The
// spawn request carries them; the agent keeps them in its meta and the directory uses
// them for discovery's locality. Only the location hint reaches the runtime (see
// README "Placement"): a jurisdiction would change the object's id, and an agent's
// address must always resolve to the same object.
import { z } from "zod";

/** The runtime's location hints (Cloudflare Durable Objects). */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type LocationHint = (typeof LOCATION_HINTS)[number];

/** The runtime's jurisdictions. */
export const JURISDICTIONS = ["eu", "fedramp"] as const;
export type Jurisdiction = (typeof JURISDICTIONS)[number];

export const placementSchema = z.strictObject({
  locationHint: z.enum(LOCATION_HINTS).optional(),
  jurisdiction: z.enum(JURISDICTIONS).optional(),
});
export type PlacementInput = z.input<typeof placementSchema>;

/** What an agent records: both named, null when not asked for. */
export type Placement = { locationHint: LocationHint | null; jurisdiction: Jurisdiction | null };

export const NO_PLACEMENT: Placement = { locationHint: null, jurisdiction: null };

export const placementOf = (input: PlacementInput | undefined): Placement => ({
  locationHint: input?.locationHint ?? null,
  jurisdiction: input?.jurisdiction ?? null,
});

/** The wider region a location hint belongs to: discovery's "regional" tier. */
const REGION_OF: Record<LocationHint, string> = {
  wnam: "na",
  enam: "na",
  sam: "sa",
  weur: "eu",
  eeur: "eu",
  apac: "apac",
  oc: "apac",
  afr: "afr",
  me: "me",
};

export const regionOf = (hint: LocationHint): string => REGION_OF[hint];

/** The jurisdiction a location hint lies in, where there is one (the EU's for Europe). */
export const jurisdictionOf = (hint: LocationHint): Jurisdiction | null => (REGION_OF[hint] === "eu" ? "eu" : null);

/**
 * A location hint for a request from its `cf` properties (continent and longitude), so a
 * discovery query without one is answered near its caller. Null when `cf` says nothing
 * (locally: wrangler dev runs without Cloudflare's request data).
 */
export const hintFromCf = (cf: { continent?: unknown; longitude?: unknown } | undefined): LocationHint | null => {
  const continent = typeof cf?.continent === "string" ? cf.continent : null;
  const longitude = typeof cf?.longitude === "string" || typeof cf?.longitude === "number" ? Number(cf.longitude) : Number.NaN;
  switch (continent) {
    case "NA":
      return Number.isFinite(longitude) && longitude < -100 ? "wnam" : "enam";
    case "SA":
      return "sam";
    case "EU":
      return Number.isFinite(longitude) && longitude >= 20 ? "eeur" : "weur";
    case "AS":
      return "apac";
    case "OC":
      return "oc";
    case "AF":
      return "afr";
    default:
      return null;
  }
};
