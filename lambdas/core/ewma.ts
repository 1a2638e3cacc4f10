/**
 * An exponentially weighted mean and variance, updated one value at a time: the baseline of every
 * detector and score here.
 *
 * Finch, "Incremental calculation of weighted mean and variance" (2009), §9.
 * Cost: O(1) time and memory per value.
 */
export interface Ewma {
  mean: number;
  variance: number;
  /** Values seen. */
  n: number;
}

export function newEwma(): Ewma {
  return { mean: 0, variance: 0, n: 0 };
}

/**
 * Moves the mean and variance towards a value that lies `diff` from the mean, with weight
 * `alpha` for it, and counts it.
 */
export function updateEwma(ewma: Ewma, diff: number, alpha: number): void {
  const increment = alpha * diff;
  ewma.mean += increment;
  ewma.variance = (1 - alpha) * (ewma.variance + diff * increment);
  ewma.n++;
}

/**
 * The weight of the next value: `alpha`, or 1 / (n + 1) while that is larger, so that an
 * average starts as the running mean of its first values rather than pulled towards 0. Divides
 * only while warming up: this runs for every point.
 */
export function warmingAlpha(alpha: number, n: number): number {
  return (n + 1) * alpha < 1 ? 1 / (n + 1) : alpha;
}

/** The weight whose influence halves every `halfLife` values. */
export function alphaForHalfLife(halfLife: number): number {
  return 1 - 0.5 ** (1 / halfLife);
}
