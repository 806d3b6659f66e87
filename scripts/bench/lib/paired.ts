// Figures of a paired comparison (a treatment against its baseline, measured in pairs of
// short bursts close in time, so both see the same machine conditions): the overhead as
// the ratio of totals over all pairs, with a bootstrap confidence interval that resamples
// whole pairs, and the median and interquartile range of the pairs' own ratios. Why both:
// the ratio of totals counts costs that come in lumps (a flush every few seconds lands in
// one pair's window, not in every one) at their true weight, which a median of per-pair
// ratios would leave out; the pairs' median and IQR show how much single pairs swing.

/** One pair: per-unit cost of each side is cpu / units. */
export type Pair = { baseCpu: number; baseUnits: number; cpu: number; units: number };

export type PairedFigures = {
  pairs: number;
  /** (sum cpu / sum units) / (sum baseCpu / sum baseUnits) - 1, in %. */
  overhead: number;
  /** 95% bootstrap interval of `overhead` (pairs resampled with replacement), in %. */
  ci: [number, number];
  /** Median of the pairs' own overheads, and their 25th..75th percentiles, in %. */
  median: number;
  iqr: [number, number];
};

const ratioOfTotals = (pairs: readonly Pair[]): number => {
  let base = 0;
  let baseUnits = 0;
  let cpu = 0;
  let units = 0;
  for (const p of pairs) {
    base += p.baseCpu;
    baseUnits += p.baseUnits;
    cpu += p.cpu;
    units += p.units;
  }
  return (cpu / units / (base / baseUnits) - 1) * 100;
};

/** Linear-interpolated quantile (q in 0..1) of sorted values. */
export const quantile = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
};

/** A small seeded PRNG (mulberry32), so a report's interval is reproducible from its pairs. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

export const pairedFigures = (pairs: readonly Pair[], resamples = 5_000): PairedFigures => {
  const valid = pairs.filter((p) => p.baseUnits > 0 && p.units > 0 && p.baseCpu > 0 && Number.isFinite(p.cpu));
  const own = valid.map((p) => (p.cpu / p.units / (p.baseCpu / p.baseUnits) - 1) * 100).sort((a, b) => a - b);
  const random = prng(14);
  const boot: number[] = [];
  for (let r = 0; r < (valid.length > 1 ? resamples : 0); r++) {
    const sample = Array.from({ length: valid.length }, () => valid[Math.floor(random() * valid.length)]!);
    boot.push(ratioOfTotals(sample));
  }
  boot.sort((a, b) => a - b);
  return {
    pairs: valid.length,
    overhead: valid.length > 0 ? ratioOfTotals(valid) : Number.NaN,
    ci: [quantile(boot, 0.025), quantile(boot, 0.975)],
    median: quantile(own, 0.5),
    iqr: [quantile(own, 0.25), quantile(own, 0.75)],
  };
};
