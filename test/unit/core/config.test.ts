import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { defaultConfig, parseConfig } from '../../../lambdas/core/config.ts';
import { InputError } from '../../../lambdas/core/errors.ts';

function errorOf(text: string): InputError {
  try {
    parseConfig(text, 'stormguard.config.yaml');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('configuration', () => {
  it('guards Amazon MSK by its metric names with no configuration at all', () => {
    const config = defaultConfig();
    expect(config.mode).toBe('enforce');
    expect(config.signals.map((s) => s.name)).toEqual(
      expect.arrayContaining(['ConnectionCreationRate', 'ConnectionCount', 'ClientConnectionCount', 'HeapMemoryAfterGC']),
    );
    expect(config.signals.find((s) => s.name === 'HeapMemoryAfterGC')).toMatchObject({ kind: 'percent', headroomPercent: 60 });
  });

  it('overrides what a file names and keeps the other defaults', () => {
    const config = parseConfig('mode: observe\nsignals:\n  ConnectionCreationRate:\n    zThreshold: 6\n');
    expect(config.mode).toBe('observe');
    const rate = config.signals.find((s) => s.name === 'ConnectionCreationRate')!;
    expect(rate).toMatchObject({ zThreshold: 6, kind: 'rate', minFactor: 1.5 });
    expect(config.rollback.to).toBe('previous-step');
  });

  it('adds a custom signal and drops a disabled one', () => {
    const config = parseConfig('signals:\n  ProducersCreated: { kind: rate }\n  ConnectionCount: { enabled: false }\n');
    expect(config.signals.map((s) => s.name)).toContain('ProducersCreated');
    expect(config.signals.map((s) => s.name)).not.toContain('ConnectionCount');
  });

  it('names the line and field of an unknown key, and lists the known ones', () => {
    const error = errorOf('mode: enforce\nrollback:\n  to: zero\n  coolDownMinutes: 5\n');
    expect(error.message).toBe(
      'stormguard.config.yaml, line 4: field `rollback.coolDownMinutes`: unknown key (expected one of: to, cooldownMinutes)',
    );
  });

  it('reports a misspelt key rather than the field it leaves missing', () => {
    expect(errorOf('mode: observe\nlaunchDarkly:\n  projectkey: default\n').message).toBe(
      'stormguard.config.yaml, line 3: field `launchDarkly.projectkey`: unknown key (expected one of: projectKey, baseUrl, onApprovalRequired, onConflict)',
    );
  });

  it('says a required field is missing, rather than that it received undefined', () => {
    expect(errorOf('mode: observe\nlaunchDarkly:\n  onConflict: page\n').message).toBe(
      'stormguard.config.yaml, line 2: field `launchDarkly.projectKey`: missing: expected a string',
    );
    // Every schema in lambdas/ reads zod's messages from zod-messages.ts: a missing option or array says so too.
    const issues = z.object({ to: z.enum(['zero', 'off']), at: z.array(z.string()), on: z.boolean() }).safeParse({}).error?.issues;
    expect(issues?.map((issue) => issue.message)).toEqual([
      'missing: expected one of "zero"|"off"',
      'missing: expected an array',
      'missing: expected a boolean',
    ]);
  });

  it('names the field of a value of the wrong type', () => {
    const error = errorOf('detector:\n  warmupPeriods: many\n');
    expect(error.location).toMatchObject({ line: 2, field: 'detector.warmupPeriods' });
    expect(error.message).toMatch(/expected number/);
  });

  it('rejects a new signal with no kind, on the line of its name, saying a new one needs it', () => {
    expect(errorOf('mode: observe\nsignals:\n  Mystery:\n    zThreshold: 3\n').message).toBe(
      'stormguard.config.yaml, line 3: field `signals.Mystery.kind`: missing: a signal that is not one of the defaults needs a kind (rate, count or percent)',
    );
  });

  it('names the line of a YAML syntax error', () => {
    const error = errorOf('mode: enforce\nsignals: [unclosed\n');
    expect(error.location.line).toBeGreaterThanOrEqual(2);
    expect(error.message).toMatch(/not valid YAML/);
  });
});

describe('configuration constraints', () => {
  it('refuses a heap-style forecast on a log-scaled signal', () => {
    expect(() => parseConfig('signals:\n  ConnectionCount: { forecast: { limitPercent: 90 } }\n')).toThrow(
      /signals\.ConnectionCount\.forecast`: a forecast needs `kind: percent`/,
    );
  });

  it('blames the field a user wrote, on its line, when it conflicts with a default they did not write', () => {
    expect(errorOf('signals:\n  HeapMemoryAfterGC:\n    minChange: 5\n    kind: rate\n').message).toBe(
      'stormguard.config.yaml, line 4: field `signals.HeapMemoryAfterGC.kind`: HeapMemoryAfterGC has a forecast by default, ' +
        'and a forecast needs `kind: percent` (it is a time to a percentage limit); a default forecast cannot be turned off: keep `kind: percent`',
    );
    expect(errorOf('signals:\n  MessagesInPerSec: { kind: percent }\n').message).toBe(
      'stormguard.config.yaml, line 2: field `signals.MessagesInPerSec.kind`: MessagesInPerSec is a traffic signal by default, ' +
        'and traffic is a rate or a count (bytes or messages in), not a percentage; `traffic: false` makes it an ordinary signal',
    );
    expect(errorOf('signals:\n  BytesInPerSec:\n    headroomPercent: 50\n').message).toBe(
      'stormguard.config.yaml, line 3: field `signals.BytesInPerSec.headroomPercent`: BytesInPerSec is a traffic signal by default, ' +
        'and a traffic signal is never guarded: drop its `headroomPercent`, or set `traffic: false`',
    );
    // Where both are written, the field at fault is, on its own line.
    expect(errorOf('signals:\n  Lag:\n    kind: rate\n    forecast: {}\n').message).toBe(
      'stormguard.config.yaml, line 4: field `signals.Lag.forecast`: a forecast needs `kind: percent` (it is a time to a percentage limit)',
    );
  });

  it('changes only the fields a signal’s entry writes: the rest stay the defaults’', () => {
    const config = parseConfig('signals:\n  BytesInPerSec: { statistic: Maximum }\n  HeapMemoryAfterGC: { headroomPercent: 70 }\n');
    const signal = (name: string) => config.signals.find((s) => s.name === name)!;
    expect(signal('BytesInPerSec')).toMatchObject({ statistic: 'Maximum', traffic: true, fallsWithCompression: true });
    expect(signal('HeapMemoryAfterGC')).toMatchObject({ headroomPercent: 70, minChange: 10 });
  });

  it('refuses a traffic signal that is a percentage or guarded, naming the field', () => {
    expect(() => parseConfig('signals:\n  HeapMemoryAfterGC: { traffic: true }\n')).toThrow(
      /signals\.HeapMemoryAfterGC\.traffic`: traffic is a rate or a count/,
    );
    expect(() => parseConfig('signals:\n  BytesInPerSec: { kind: rate, traffic: true, headroomPercent: 50 }\n')).toThrow(
      /signals\.BytesInPerSec\.traffic`: a traffic signal is never guarded/,
    );
    // Several may: a cluster's is the first it exports.
    const custom = 'signals:\n  RecordsIn: { kind: rate, traffic: true, promql: "sum(rate(records_in_total[2m]))" }\n';
    expect(
      parseConfig(custom)
        .signals.filter((s) => s.traffic)
        .map((s) => s.name),
    ).toEqual(['MessagesInPerSec', 'BytesInPerSec', 'RecordsIn']);
  });

  it('refuses an alias bomb and an unknown tag, naming the file, instead of expanding or guessing', () => {
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      ...['b', 'c', 'd', 'e'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcd'[i]}`).join(', ')}]`),
    ].join('\n');
    expect(() => parseConfig(bomb, 'bomb.yaml')).toThrow(/^bomb\.yaml: not accepted: Excessive alias count/);
    expect(() => parseConfig('mode: !weird enforce\n', 'tag.yaml')).toThrow(/^tag\.yaml, line 1, column 7: not accepted: Unresolved tag/);
  });
});

describe('configuration bounds: every number, name and list a user controls, with the reason', () => {
  it('refuses a season of 1e8 periods (it ran out of memory) and a weekly one (a 664 KB series item), naming the line', () => {
    expect(errorOf('detector:\n  seasonPeriods: 100000000\n').message).toBe(
      "stormguard.config.yaml, line 2: field `detector.seasonPeriods`: at most 1440 (periods, a day of minutes: every period of the season is kept in each series' state, one DynamoDB item of at most 400 KB)",
    );
    expect(errorOf('detector:\n  seasonPeriods: 10080\n').message).toMatch(/field `detector.seasonPeriods`: at most 1440/);
    expect(parseConfig('detector:\n  seasonPeriods: 1440\nshards:\n  maxSeries: 500\n').detector.seasonPeriods).toBe(1440);
  });

  it('bounds half-lives, periods, minutes and thresholds', () => {
    for (const [yaml, field] of [
      ['detector:\n  halfLifePeriods: 1e9\n', 'detector.halfLifePeriods'],
      ['detector:\n  extraHalfLives: [1, 2, 3, 4, 5]\n', 'detector.extraHalfLives'],
      ['detector:\n  likelihoodHalfLife: 1e300\n', 'detector.likelihoodHalfLife'],
      ['detector:\n  warmupPeriods: 1e7\n', 'detector.warmupPeriods'],
      ['metricPeriodSeconds: 86400\n', 'metricPeriodSeconds'],
      ['rollback:\n  cooldownMinutes: 1e12\n', 'rollback.cooldownMinutes'],
      ['gate:\n  bakeMinutes: 1e12\n', 'gate.bakeMinutes'],
      ['releaseWatch:\n  heapHorizonMinutes: 100000\n', 'releaseWatch.heapHorizonMinutes'],
      ['signals:\n  ConnectionCount:\n    zThreshold: 1e6\n', 'signals.ConnectionCount.zThreshold'],
      ['signals:\n  HeapMemoryAfterGC:\n    forecast:\n      windowPeriods: 100000\n', 'signals.HeapMemoryAfterGC.forecast.windowPeriods'],
    ] as const) {
      expect(errorOf(yaml).location.field, yaml).toBe(field);
    }
  });

  it('refuses the retired correlator settings, naming them', () => {
    expect(errorOf('correlation:\n  lookbackMinutes: 720\n').location.field).toBe('correlation');
  });

  it("refuses shards whose fullest state item could outgrow DynamoDB's, saying how many series fit", () => {
    expect(errorOf('detector:\n  seasonPeriods: 1440\n').message).toBe(
      'stormguard.config.yaml: field `shards.maxSeries`: is 10000: with a season of 1440 periods and 540 periods of history, a series takes up to 50 KB of state, ' +
        "and the fullest of a shard's 512 state items would hold about 40 of them, more than a DynamoDB item holds: set shards.maxSeries to 527 or less, or a shorter season",
    );
    expect(errorOf('shards:\n  maxSeries: 100000\n').location).toMatchObject({ line: 2, field: 'shards.maxSeries' });
    expect(parseConfig('shards:\n  maxSeries: 20000\n').shards.maxSeries).toBe(20000);
  });

  it('refuses signal names that are not metric names (`[`, `(a+)+b`, `__proto__`) and names that would break a SEARCH expression', () => {
    for (const name of ['"["', '"(a+)+b"', '"a b"', '_x']) {
      expect(errorOf(`signals:\n  ${name}:\n    kind: rate\n`).message, name).toMatch(/expected a metric name/);
    }
    expect(errorOf('signals:\n  __proto__:\n    kind: rate\n').message).toBe(
      'stormguard.config.yaml, line 2: field `signals.__proto__`: a key named __proto__ is not accepted',
    );
    expect(errorOf("clusters: ['events\") OR (x']\n").message).toMatch(/field `clusters.0`: must not contain quotes/);
    expect(errorOf(`environment: ${'e'.repeat(300)}\n`).message).toMatch(/field `environment`: at most 256 characters/);
  });

  it('takes signals and flags named constructor or toString as their own', () => {
    const config = parseConfig(
      'signals:\n  constructor:\n    kind: rate\n  toString:\n    kind: count\nflags:\n  constructor:\n    guarded: false\n',
    );
    expect(config.signals.map((s) => s.name)).toEqual(expect.arrayContaining(['constructor', 'toString']));
    expect(config.flags.constructor).toEqual({ guarded: false });
  });

  it('refuses a file larger than any configuration, and nesting no configuration has, before the YAML parser (65,000 nested maps ran it out of memory)', () => {
    expect(errorOf(`# ${'x'.repeat(64 * 1024)}\n`).message).toMatch(/more than the 65536 a configuration needs/);
    expect(errorOf('{a: '.repeat(16_000)).message).toBe(
      'stormguard.config.yaml, line 1: nests more than 64 [ or { deep: no configuration does',
    );
    expect(errorOf(`${'- '.repeat(20_000)}x`).message).toBe(
      'stormguard.config.yaml, line 1: nested or indented more than 200 columns deep: no configuration is',
    );
  });
});
