/** The bounds the documentation promises, written out again (not imported from the code under test), and the fixed time the fuzz inputs start at. */
export const EARLIEST = Date.UTC(2006, 0, 1);
export const LATEST = Date.UTC(2100, 0, 1);
export const MAX_MAGNITUDE = 1e12;
export const TOTAL_WEIGHT = 100_000;
export const T = Date.parse('2025-08-28T14:00:00Z');

export const inWindow = (time: unknown) => typeof time === 'number' && Number.isFinite(time) && time >= EARLIEST && time < LATEST;
