// A Zipf(s) sampler over ranks 1..n: the cumulative weights once, then a binary search
// per sample, so 100,000 keys cost one array and each draw a few dozen comparisons.
export const zipfSampler = (n: number, s: number, random: () => number = Math.random): (() => number) => {
  const cdf = new Float64Array(n);
  let total = 0;
  for (let rank = 1; rank <= n; rank++) {
    total += 1 / rank ** s;
    cdf[rank - 1] = total;
  }
  return () => {
    const target = random() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cdf[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
};
