/// <reference lib="dom" />
/**
 * The incident report in a real browser: Debian's Chromium, driven by playwright-core, opens the
 * page `npm start` writes, from a file (no network). A screenshot is kept in test-artifacts/.
 * The browser runs in Los Angeles time: the page must still read UTC, as its header says.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stormguard } from '../support/cli.ts';
import { requires } from '../support/requires.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasChromium = requires(
  'Chromium',
  existsSync(CHROMIUM),
  `no browser at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH to a Chromium or Chrome binary`,
);
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  if (!hasChromium) return;
  const folder = await mkdtemp(join(tmpdir(), 'stormguard-report-'));
  const report = join(folder, 'report.html');
  const { code } = await stormguard('replay', '--closed-loop', '--report', report, '--state', join(folder, 'state'));
  expect(code).toBe(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As root in a closed network: no sandbox, and no background calls home.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    env: { ...process.env, TZ: 'America/Los_Angeles' },
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
  page.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
  page.on('pageerror', (e) => void errors.push(String(e)));
  page.on('request', (r) => void (r.url().startsWith('file:') || errors.push(`network request: ${r.url()}`)));
  await page.goto(`file://${report}`);
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
}, 120_000);
afterAll(async () => browser?.close());

describe.skipIf(!hasChromium)('the incident report in Chromium', () => {
  it('opens from a file with no console error and no network request', () => {
    expect(errors).toEqual([]);
  });

  it('draws every chart: one per signal, and the rollout percentage', async () => {
    const charts = await page.evaluate(() =>
      (
        window as unknown as { stormguardReport: { charts: Array<{ root: HTMLElement; ctx: CanvasRenderingContext2D }> } }
      ).stormguardReport.charts.map((u) => {
        const { width, height } = u.ctx.canvas;
        const pixels = u.ctx.getImageData(0, 0, width, height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
        return { title: u.root.parentElement!.querySelector('h2')!.textContent, inked: inked / (width * height) };
      }),
    );
    expect(charts.map((c) => c.title)).toEqual([
      'HeapMemoryAfterGC on broker 1: without the guardrail (heap exhausted at 18:37 UTC), and with it',
      'ClientConnectionCount',
      'ConnectionCount',
      'ConnectionCreationRate',
      'HeapMemoryAfterGC',
      'ProducerIdCount',
      'Rollout percentage',
    ]);
    for (const c of charts) expect(c.inked, c.title!).toBeGreaterThan(0.01);
  });

  it('puts the step, the detection and the rollback where the data says, on every chart', async () => {
    const placed = await page.evaluate(() => {
      const { charts } = (
        window as unknown as { stormguardReport: { charts: Array<{ over: HTMLElement; valToPos: (v: number, s: string) => number }> } }
      ).stormguardReport;
      const expected = {
        step: '2025-08-28T14:00:00Z',
        detection: '2025-08-28T14:01:00Z',
        rollback: '2025-08-28T14:01:00Z',
        resolved: '2025-08-28T14:15:00Z',
      };
      return charts.flatMap((u) =>
        Object.entries(expected).map(([kind, time]) => {
          const marker = u.over.querySelector<HTMLElement>(`.marker[data-kind="${kind}"]`);
          return {
            kind,
            found: marker !== null,
            left: marker ? parseFloat(marker.style.left) : NaN,
            want: u.valToPos(Date.parse(time) / 1000, 'x'),
            text: marker?.textContent,
          };
        }),
      );
    });
    expect(placed).toHaveLength(7 * 4);
    for (const p of placed) {
      expect(p.found, p.kind).toBe(true);
      expect(Math.abs(p.left - p.want), p.kind).toBeLessThan(1);
    }
    expect(placed.find((p) => p.kind === 'rollback')!.text).toBe('rollback checkout-producer-per-request 1% → 0%');
  });

  it('marks the anomalous points where the detector flagged them', async () => {
    const anomalies = await page.evaluate(() => {
      const u = (
        window as unknown as {
          stormguardReport: { charts: Array<{ data: Array<Array<number | null>>; series: Array<{ label: string }> }> };
        }
      ).stormguardReport.charts[3]!;
      const index = u.series.findIndex((s) => s.label === 'anomalous');
      return u.data[0]!.filter((_, i) => u.data[index]![i] !== null).map((t) => new Date(t! * 1000).toISOString());
    });
    expect(anomalies[0]).toBe('2025-08-28T14:00:00.000Z');
  });

  it('reads UTC in 24-hour time on every axis, though the browser is in Los Angeles', async () => {
    const zone = await page.evaluate(() => ({
      zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
      noonUtc: new Date(Date.UTC(2025, 7, 28, 12)).getHours(),
    }));
    expect(zone).toEqual({ zone: 'America/Los_Angeles', noonUtc: 5 });
    const axes = await page.evaluate(() =>
      (
        window as unknown as { stormguardReport: { charts: Array<{ axes: Array<{ _splits: number[]; _values: string[] }> }> } }
      ).stormguardReport.charts.map((u) => ({ splits: u.axes[0]!._splits, labels: u.axes[0]!._values })),
    );
    for (const { splits, labels } of axes) {
      expect(labels.length).toBeGreaterThan(3);
      const clocks = labels.map((l) => l.split('\n')[0]);
      expect(clocks).toEqual(splits.map((t) => new Date(t * 1000).toISOString().slice(11, 16)));
      expect(labels[0]).toMatch(/^\d\d:\d\d\n2025-08-28$/);
    }
    // The window opens at 12:00 UTC, as the header says; an hourly tick reads 14:00, not 7:00am.
    expect(await page.locator('header p').textContent()).toMatch(/^2025-08-28 12:00 → 2025-08-28 19:07 UTC/);
    expect(axes[3]!.labels.map((l) => l.split('\n')[0])).toContain('14:00');
  });

  it('shows values in every legend: at the first anomalous datapoint, or the heap running out, until the cursor moves, then under the cursor', async () => {
    const legends = () =>
      page.evaluate(() =>
        (window as unknown as { stormguardReport: { charts: Array<{ root: HTMLElement }> } }).stormguardReport.charts.map((u) =>
          Object.fromEntries(
            Array.from(u.root.querySelectorAll('.u-legend .u-series')).map((row) => [
              row.querySelector('.u-label')!.textContent,
              row.querySelector('.u-value')!.textContent,
            ]),
          ),
        ),
      );
    const pinned = await legends();
    expect(pinned.map((l) => l.Time)).toEqual(['2025-08-28 18:37 UTC', ...Array(6).fill('2025-08-28 14:00 UTC')]);
    for (const legend of pinned)
      for (const [label, value] of Object.entries(legend))
        if (label !== 'anomalous') expect(value, label).toMatch(/^\d[\d,]*(\.\d+)?%?$|UTC$/);
    // The first anomalous datapoint, as the table states it: broker 2 at 14.8, marked anomalous.
    expect(pinned[3]!['broker 2']).toMatch(/^14\.8/);
    expect(pinned[3]!.anomalous).toBe(pinned[3]!['broker 2']);
    expect(parseFloat(pinned[0]!['broker 1 without the guardrail (open loop)']!)).toBeGreaterThanOrEqual(95);
    expect(parseFloat(pinned[0]!['broker 1 with the guardrail (closed loop)']!)).toBeLessThan(50);
    expect(pinned.at(-1)).toEqual({
      Time: '2025-08-28 14:00 UTC',
      'checkout-producer-per-request': '1%',
      'checkout-producer-per-request without the guardrail': '1%',
    });

    // Hover 15:30 on ConnectionCreationRate: every legend follows (the charts are synced), in UTC;
    // by then the guardrail had rolled the flag back, and without it the flag was at 5%.
    const at = await page.evaluate(() => {
      const u = (
        window as unknown as { stormguardReport: { charts: Array<{ over: HTMLElement; valToPos: (v: number, s: string) => number }> } }
      ).stormguardReport.charts[3]!;
      const box = u.over.getBoundingClientRect();
      return { x: box.left + u.valToPos(Date.parse('2025-08-28T15:30:00Z') / 1000, 'x'), y: box.top + box.height / 2 };
    });
    await page.mouse.move(at.x, at.y);
    const hovered = await legends();
    expect(hovered.map((l) => l.Time)).toEqual(Array(7).fill('2025-08-28 15:30 UTC'));
    expect(hovered.at(-1)).toEqual({
      Time: '2025-08-28 15:30 UTC',
      'checkout-producer-per-request': '0%',
      'checkout-producer-per-request without the guardrail': '5%',
    });
    await page.mouse.move(1, 1);
    expect((await legends()).map((l) => l.Time)).toEqual(pinned.map((l) => l.Time));
  });

  it('reads the rollout percentage in percent', async () => {
    const labels = await page.evaluate(
      () =>
        (window as unknown as { stormguardReport: { charts: Array<{ axes: Array<{ _values: string[] }> }> } }).stormguardReport.charts.at(
          -1,
        )!.axes[1]!._values,
    );
    expect(labels.length).toBeGreaterThan(2);
    for (const label of labels) expect(label).toMatch(/^\d+(\.\d+)?%$/);
  });

  it('draws the heap without the guardrail climbing to exhaustion at 18:37, beside the flat closed loop', async () => {
    const drawn = await page.evaluate(() => {
      const u = (
        window as unknown as {
          stormguardReport: {
            charts: Array<{
              ctx: CanvasRenderingContext2D;
              data: Array<Array<number | null>>;
              series: Array<{ label: string; show: boolean }>;
              valToPos: (v: number, s: string, c?: boolean) => number;
            }>;
          };
        }
      ).stormguardReport.charts[0]!;
      const times = u.data[0] as number[];
      const line = (label: string) => {
        const i = u.series.findIndex((s) => s.label === label);
        return { shown: u.series[i]!.show, values: u.data[i] as Array<number | null> };
      };
      // The colour under each line at 18:00 (before the exhaustion marker's own line).
      const ink = (value: number, t: number) => {
        const [x, y] = [Math.round(u.valToPos(t, 'x', true)), Math.round(u.valToPos(value, 'y', true))];
        const pixels = u.ctx.getImageData(x - 3, y - 3, 7, 7).data;
        let red = 0;
        let blue = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          if (pixels[i]! > 150 && pixels[i + 1]! < 90 && pixels[i + 2]! < 90) red++;
          if (pixels[i + 2]! > 120 && pixels[i]! < 90) blue++;
        }
        return { red, blue };
      };
      const without = line('broker 1 without the guardrail (open loop)');
      const withIt = line('broker 1 with the guardrail (closed loop)');
      const t1800 = Date.parse('2025-08-28T18:00:00Z') / 1000;
      const i1800 = times.indexOf(t1800);
      const exhaustedAt = times.findIndex((_, i) => (without.values[i] ?? 0) >= 95);
      return {
        shown: [without.shown, withIt.shown],
        exhaustedAt: new Date(times[exhaustedAt]! * 1000).toISOString(),
        withPeak: Math.max(...withIt.values.filter((v): v is number => v !== null)),
        withoutAt1800: without.values[i1800],
        inkWithout: ink(without.values[i1800]!, t1800),
        inkWith: ink(withIt.values[i1800]!, t1800),
      };
    });
    expect(drawn.shown).toEqual([true, true]);
    expect(drawn.exhaustedAt).toBe('2025-08-28T18:37:00.000Z');
    expect(drawn.withPeak).toBeLessThan(50);
    expect(drawn.withoutAt1800).toBeGreaterThan(60);
    expect(drawn.inkWithout.red, 'the red line, without the guardrail, at 18:00').toBeGreaterThan(3);
    expect(drawn.inkWith.blue, 'the blue line, with the guardrail, at 18:00').toBeGreaterThan(3);
    const exhausted = await page.locator('.marker[data-kind="exhausted"]').allTextContents();
    expect(exhausted).toEqual(Array(7).fill('without the guardrail: heap exhausted (broker 1)'));
    expect(await page.locator('#facts tr[data-what="exhausted"] td').allTextContents()).toEqual([
      '2025-08-28 18:37 UTC',
      'exhausted',
      'without the guardrail (the same simulation, open loop): HeapMemoryAfterGC on broker 1 reached 95.1%, heap exhausted; the rollback came 4 h 36 min before',
    ]);
  });

  it('states the same facts in a table, and prints', async () => {
    const rollback = await page.locator('#facts tr[data-what="rollback"] td').allTextContents();
    expect(rollback[0]).toBe('2025-08-28 14:01 UTC');
    expect(rollback[2]).toMatch(/^checkout-producer-per-request in production 1% → 0% \(enforce\)/);
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await writeFile(join(ARTIFACTS, 'report.pdf'), pdf);
  });
});
