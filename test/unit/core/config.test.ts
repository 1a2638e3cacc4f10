import { describe, expect, it } from 'vitest';
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

  it('names the field of a value of the wrong type', () => {
    const error = errorOf('detector:\n  warmupPeriods: many\n');
    expect(error.location).toMatchObject({ line: 2, field: 'detector.warmupPeriods' });
    expect(error.message).toMatch(/expected number/);
  });

  it('rejects a custom signal with no kind, naming it', () => {
    expect(errorOf('signals:\n  Mystery: { zThreshold: 3 }\n').location.field).toBe('signals.Mystery.kind');
  });

  it('names the line of a YAML syntax error', () => {
    const error = errorOf('mode: enforce\nsignals: [unclosed\n');
    expect(error.location.line).toBeGreaterThanOrEqual(2);
    expect(error.message).toMatch(/not valid YAML/);
  });
});

describe('configuration constraints', () => {
  it('refuses a heap-style forecast on a log-scaled signal', () => {
    expect(() => parseConfig('signals:\n  ConnectionCount: { forecast: { limitPercent: 90 } }\n')).toThrow(/signals\.ConnectionCount\.forecast`: a forecast needs `kind: percent`/);
  });

  it('refuses an alias bomb and an unknown tag, naming the file, instead of expanding or guessing', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e'].map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcd'[i]}`).join(', ')}]`)].join('\n');
    expect(() => parseConfig(bomb, 'bomb.yaml')).toThrow(/^bomb\.yaml: not accepted: Excessive alias count/);
    expect(() => parseConfig('mode: !weird enforce\n', 'tag.yaml')).toThrow(/^tag\.yaml, line 1, column 7: not accepted: Unresolved tag/);
  });
});
