// Why: a percentage rollout must put the same subject in the same bucket on every
// evaluation, in every isolate and runtime, and spread subjects evenly. MurmurHash3
// (x86, 32-bit) is synchronous, has full avalanche, and needs no crypto API; the flag's
// key is part of the hashed text, so flags roll out to independent slices of subjects.

/** Buckets per rollout: weights have a precision of 0.01 %. */
export const BUCKETS = 10_000;

export const murmur3 = (text: string, seed = 0): number => {
  const bytes = new TextEncoder().encode(text);
  let h = seed >>> 0;
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  const whole = bytes.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  let k = 0;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[whole + 2]! << 16;
    // falls through
    case 2:
      k ^= bytes[whole + 1]! << 8;
    // falls through
    case 1:
      k ^= bytes[whole]!;
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
};

/** The subject's bucket for one flag, in [0, BUCKETS). */
export const bucketOf = (flagKey: string, subject: string): number => murmur3(`${flagKey}\u0000${subject}`) % BUCKETS;

/**
 * The variant a bucket falls into, weights (percentages summing to 100) taken in the
 * order given: the first `w1` % of buckets go to the first variant, and so on. Raising a
 * variant's weight at the front only adds subjects to it, so a growing rollout is sticky.
 */
export const splitVariant = (bucket: number, weights: readonly (readonly [string, number])[]): string | null => {
  let upTo = 0;
  for (const [variant, weight] of weights) {
    upTo += Math.round(weight * (BUCKETS / 100));
    if (bucket < upTo) return variant;
  }
  return weights.at(-1)?.[0] ?? null;
};
