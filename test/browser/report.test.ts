/// <reference lib="dom" />
/**
 * The incident report in a real browser: Debian's Chromium, driven by playwright-core, opens the
 * page `npm start` writes, from a file (no network). A screenshot is kept in test-artifacts/.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stormguard } from '../cli/run.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');
let browser: Browser;
let page: Page;
const errors: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) return;
  const folder = await mkdtemp(join(tmpdir(), 'stormguard-report-'));
  const report = join(folder, 'report.html');
  const { code } = await stormguard('replay', '--closed-loop', '--report', report, '--state', join(folder, 'state'));
  expect(code).toBe(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // As root in a closed network: no sandbox, and no background calls home.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
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

describe.skipIf(!existsSync(CHROMIUM))('the incident report in Chromium', () => {
  it('opens from a file with no console error and no network request', () => {
    expect(errors).toEqual([]);
  });

  it('draws every chart: one per signal, and the rollout percentage', async () => {
    const charts = await page.evaluate(() =>
      (window as unknown as { stormguardReport: { charts: Array<{ root: HTMLElement; ctx: CanvasRenderingContext2D }> } }).stormguardReport.charts.map((u) => {
        const { width, height } = u.ctx.canvas;
        const pixels = u.ctx.getImageData(0, 0, width, height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) inked++;
        return { title: u.root.parentElement!.querySelector('h2')!.textContent, inked: inked / (width * height) };
      }),
    );
    expect(charts.map((c) => c.title)).toEqual(['ClientConnectionCount', 'ConnectionCount', 'ConnectionCreationRate', 'HeapMemoryAfterGC', 'ProducerIdCount', 'Rollout percentage']);
    for (const c of charts) expect(c.inked, c.title!).toBeGreaterThan(0.01);
  });

  it('puts the step, the detection and the rollback where the data says, on every chart', async () => {
    const placed = await page.evaluate(() => {
      const { charts } = (window as unknown as { stormguardReport: { charts: Array<{ over: HTMLElement; valToPos: (v: number, s: string) => number }> } }).stormguardReport;
      const expected = { step: '2025-08-28T14:00:00Z', detection: '2025-08-28T14:01:00Z', rollback: '2025-08-28T14:01:00Z', resolved: '2025-08-28T14:15:00Z' };
      return charts.flatMap((u) =>
        Object.entries(expected).map(([kind, time]) => {
          const marker = u.over.querySelector<HTMLElement>(`.marker[data-kind="${kind}"]`);
          return { kind, found: marker !== null, left: marker ? parseFloat(marker.style.left) : NaN, want: u.valToPos(Date.parse(time) / 1000, 'x'), text: marker?.textContent };
        }),
      );
    });
    expect(placed).toHaveLength(6 * 4);
    for (const p of placed) {
      expect(p.found, p.kind).toBe(true);
      expect(Math.abs(p.left - p.want), p.kind).toBeLessThan(1);
    }
    expect(placed.find((p) => p.kind === 'rollback')!.text).toBe('rollback checkout-producer-per-request 1% → 0%');
  });

  it('marks the anomalous points where the detector flagged them', async () => {
    const anomalies = await page.evaluate(() => {
      const u = (window as unknown as { stormguardReport: { charts: Array<{ data: Array<Array<number | null>>; series: Array<{ label: string }> }> } }).stormguardReport.charts[2]!;
      const index = u.series.findIndex((s) => s.label === 'anomalous');
      return u.data[0]!.filter((_, i) => u.data[index]![i] !== null).map((t) => new Date(t! * 1000).toISOString());
    });
    expect(anomalies[0]).toBe('2025-08-28T14:00:00.000Z');
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
