/**
 * A signal's least-squares slope over time, in points per hour. Beside time there may be a second
 * regressor (for heap after GC, the cluster's log traffic as heap follows it): the slope is then
 * time's own coefficient in the regression on both, the climb that the regressor does not explain.
 * Where the two cannot be told apart (time and the regressor nearly collinear, as over a steady
 * ramp of traffic) or the regressor's coefficient comes out negative (more traffic never frees
 * heap), the slope is time's alone. Pure.
 */
import { lowerBound, type WatchPoint } from './watch-points.ts';

const HOUR_MS = 3_600_000;
/** Fewer points give no slope. */
const MIN_POINTS = 10;
/** Time and regressor sharing more of their variance (a variance inflation over 10, the textbook bound) are not told apart. */
const MAX_SHARED = 0.9;

/** The slope of the points with from <= time < to; with `beside`, only points it has a value for, net of it. Undefined with fewer than MIN_POINTS. */
export function slopePerHour(
  points: readonly WatchPoint[],
  from: number,
  to: number,
  beside?: (time: number) => number | undefined,
): number | undefined {
  const xs: number[] = [];
  const rs: number[] = [];
  const ys: number[] = [];
  for (let i = lowerBound(points, from); i < points.length && points[i]!.time < to; i++) {
    const p = points[i]!;
    const r = beside ? beside(p.time) : 0;
    if (r === undefined) continue;
    xs.push((p.time - from) / HOUR_MS);
    rs.push(r);
    ys.push(p.value);
  }
  return xs.length >= MIN_POINTS ? timeCoefficient(xs, rs, ys) : undefined;
}

/** Time's coefficient in y ~ 1 + x + r (x alone where r is constant, collinear with x, or would free heap); undefined when x does not vary. */
function timeCoefficient(xs: readonly number[], rs: readonly number[], ys: readonly number[]): number | undefined {
  const mean = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const [mx, mr, my] = [mean(xs), mean(rs), mean(ys)];
  let [sxx, srr, sxr, sxy, sry] = [0, 0, 0, 0, 0];
  for (let i = 0; i < xs.length; i++) {
    const [x, r, y] = [xs[i]! - mx, rs[i]! - mr, ys[i]! - my];
    sxx += x * x;
    srr += r * r;
    sxr += x * r;
    sxy += x * y;
    sry += r * y;
  }
  if (!(sxx > 0)) return undefined;
  const alone = sxy / sxx;
  if (!(srr > 0)) return alone;
  if ((sxr * sxr) / (sxx * srr) > MAX_SHARED) return alone;
  const det = sxx * srr - sxr * sxr;
  const perTraffic = (sxx * sry - sxr * sxy) / det;
  return perTraffic < 0 ? alone : (srr * sxy - sxr * sry) / det;
}
