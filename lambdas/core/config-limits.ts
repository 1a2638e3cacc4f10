/**
 * The bounds of the configuration's numbers and lists (what config-schema.ts enforces), apart
 * from the schema so that readers of a configuration's size (the YAML front end, the state-size
 * test) need not load it.
 */

/**
 * The bounds of every number a configuration holds, and why. A series' state must fit a DynamoDB
 * item (400 KB at most), and a shard's checkpoint items hold many (checkpointBytesPerSeries): its
 * seasonal baseline keeps one EWMA a period of the season, its extra baselines one each, its
 * history what the release watches read. With these bounds the largest series state is about
 * 190 KB (test/unit/core/state-size.test.ts); a weekly season (10080 periods) made one 664 KB, and
 * 1e8 periods ran out of memory.
 */
export const LIMITS = {
  /** a day of one-minute periods */
  seasonPeriods: 1440,
  /** EWMA baselines besides the detector's own */
  extraHalfLives: 4,
  /** half-lives and windows in periods: ten weeks of minutes; beyond, a baseline never moves */
  periods: 100_000,
  /** minutes: a week */
  minutes: 10_080,
  /** seconds: CloudWatch periods are at most an hour apart for a guardrail to be of use */
  seconds: 3600,
  /** a z-score no point reaches: a larger threshold never alerts */
  zThreshold: 100,
  /** a factor over baseline */
  minFactor: 1000,
  /** scored units (a log or a percentage) */
  scoredUnits: 1e6,
  /** signals configured */
  signals: 32,
  /** flags configured */
  flags: 1000,
  /** clusters watched */
  clusters: 200,
  /** dimensions of one series: CloudWatch allows 30 */
  dimensions: 30,
  /** a PromQL query */
  promqlLength: 4096,
  /** a configuration file, in characters: 1000 flags take 40 KB; YAML checks keys for uniqueness pairwise, so 256 KB of keys took 5 s */
  textLength: 64 * 1024,
} as const;
