/**
 * How numbers and times read in alerts and reports: one place, so every message says them alike.
 */

/** "2025-08-28 13:02 UTC" */
export function formatTime(time: number): string {
  return isDate(time) ? `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC` : `(time ${String(time)})`;
}

/** "13:02" */
export function formatClock(time: number): string {
  return isDate(time) ? new Date(time).toISOString().slice(11, 16) : `(time ${String(time)})`;
}

/** "08-28 13:02": a clock that says its day, in a listing over more than one day. */
export function formatDayClock(time: number): string {
  return isDate(time) ? new Date(time).toISOString().slice(5, 16).replace('T', ' ') : `(time ${String(time)})`;
}

/** A message about a time must not throw: beyond JavaScript's dates (±8.64e15 ms) it says the number. */
function isDate(time: number): boolean {
  return Number.isFinite(time) && Math.abs(time) <= 8.64e15;
}

/** "5 h 44 min", "3 min", "45 s" */
export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  const seconds = Math.round(abs / 1000);
  const sign = ms < 0 && seconds > 0 ? '-' : '';
  if (seconds < 60) return `${sign}${seconds} s`;
  const minutes = Math.round(abs / 60_000);
  const hours = Math.floor(minutes / 60);
  return `${sign}${hours > 0 ? `${hours} h ` : ''}${minutes % 60 || hours === 0 ? `${minutes % 60} min` : ''}`.trim();
}

/** Three significant digits, no exponent: 15.2, 0.0314, 1230. */
export function formatNumber(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  // Decimals from the rounded value: 99.96 is "100", not "100.0".
  const rounded = Math.abs(value) >= 100 ? value : Number(value.toPrecision(3));
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(rounded))));
  return digits <= 6 ? rounded.toFixed(digits) : value.toFixed(6);
}

/** "2.04x expected": a release watch's pooled factor, observed over what the cluster's past expected. */
export function formatFactor(factor: number): string {
  return `${formatNumber(factor)}x expected`;
}

/** "2.1x baseline" for factors, "+12.3 points over baseline" for differences. */
export function formatEffect(effect: number, logScale: boolean): string {
  return logScale ? `${effect.toFixed(1)}x baseline` : `${effect >= 0 ? '+' : ''}${effect.toFixed(1)} points over baseline`;
}

/** Text of at most `limit` characters: as it is, or its start and an ellipsis. */
export function cut(text: string, limit: number): string {
  return text.length > limit ? `${text.slice(0, limit - 1)}…` : text;
}

export function formatPercent(percent: number): string {
  return `${Number(percent.toFixed(3))}%`;
}

/** Twelve significant digits, as NAB's published results are written (and scored). */
export function nabScore(score: number): number {
  return Number(score.toPrecision(12));
}
