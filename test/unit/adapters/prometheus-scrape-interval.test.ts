/**
 * A scrape interval longer than the period, read from the runs of one value a range result gives
 * (scrape-interval.ts repeatedSamples): said where every changing series shows it, never otherwise.
 */
import { describe, expect, it } from 'vitest';
import { repeatedSamples } from '../../../lambdas/adapters/prometheus/scrape-interval.ts';
import type { MetricSeries } from '../../../lambdas/core/metric-series.ts';

const MINUTE = 60_000;
const t0 = Date.parse('2025-08-28T08:00:00Z');

/** A broker's series over `periods` minutes, as a range query answers a scrape every `every` minutes from `phase`: each sample held until the next. */
function scraped(key: string, every: number, phase = 0, periods = 120, constant = false): MetricSeries {
  const points = Array.from({ length: periods }, (_, i) => {
    const sample = Math.floor((i + every - phase) / every);
    return { time: t0 + i * MINUTE, value: constant ? 7 : 10 + ((sample * 7919) % 13) + sample / 1000 };
  });
  return { key, signal: key.split(' ')[0]!, dimensions: {}, cluster: 'events', points };
}

describe('repeatedSamples', () => {
  it('says when every changing series holds each value over 3 periods: a 3-minute scrape at a 60 s period', () => {
    const series = [scraped('ConnectionCreationRate 1', 3), scraped('ConnectionCreationRate 2', 3, 1), scraped('ConnectionCount 1', 3, 2)];
    expect(repeatedSamples([...series, scraped('ProducerIdCount 1', 3, 0, 120, true)], MINUTE)).toEqual([
      "Prometheus: each of the 3 series that change often holds every value over 3 periods or a multiple: the brokers are scraped about every 180 s, and Prometheus's 5-minute lookback repeats each sample over the 60 s periods between, so one sample counts 3 times; scrape every 60 s, or set `metricPeriodSeconds: 180` in the configuration",
    ]);
    expect(repeatedSamples([scraped('ConnectionCreationRate 1', 2), scraped('HeapMemoryAfterGC 1', 4, 1)], MINUTE)[0]).toMatch(
      /over 2 periods or a multiple: the brokers are scraped about every 120 s/,
    );
  });

  it('says nothing where a series changes at every period, where values stay flat, or where the read is too short to tell', () => {
    // A series whose value changes every 3 periods beside one scraped every period: not every broker's scrape.
    expect(repeatedSamples([scraped('ConnectionCreationRate 1', 3), scraped('ConnectionCreationRate 2', 1)], MINUTE)).toEqual([]);
    expect(repeatedSamples([scraped('ProducerIdCount 1', 3, 0, 120, true)], MINUTE)).toEqual([]);
    expect(repeatedSamples([scraped('ConnectionCreationRate 1', 3, 0, 20)], MINUTE)).toEqual([]);
  });

  it('counts no run cut by a gap: the pieces of a stride a missing point leaves are not strides', () => {
    const series = scraped('ConnectionCreationRate 1', 3);
    // A point missing every 12 periods, in the middle of a run: 1-period pieces on either side.
    const gappy = { ...series, points: series.points.filter((_, i) => i % 12 !== 10) };
    expect(repeatedSamples([gappy], MINUTE)[0]).toMatch(/over 3 periods or a multiple/);
  });
});
