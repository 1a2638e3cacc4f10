/**
 * An anomaly: one datapoint far from its series' baseline (level), or a heap forecast to reach its
 * limit within the horizon (forecast), with the numbers that made it one.
 */
export interface Anomaly {
  readonly time: number;
  readonly series: string;
  /** The series as people name it: "ConnectionCreationRate on broker 3". */
  readonly label: string;
  readonly signal: string;
  readonly cluster: string;
  /** level: far from the baseline; forecast: heap reaches its limit within the horizon. */
  readonly kind: 'level' | 'forecast';
  readonly value: number;
  readonly baseline: number;
  readonly effect: number;
  readonly z: number;
  readonly score: number;
  readonly msToLimit?: number;
}
