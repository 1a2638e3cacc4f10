/** The audit-log backfill against the fake LaunchDarkly, its requests checked against the vendor's spec by Prism. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LaunchDarklyAuditLog } from '../../lambdas/adapters/launchdarkly/audit-log.ts';
import { createBackfillHandler } from '../../lambdas/handlers/backfill.ts';
import { auditEntry, flagVersion, stepEntry } from '../support/fixtures.ts';
import { type FakeLaunchDarkly, fakeLaunchDarkly, type Prism, specAvailable, startPrism } from '../support/launchdarkly.ts';

let prism: Prism;
let ld: FakeLaunchDarkly;
beforeAll(async () => {
  if (specAvailable) prism = await startPrism();
}, 90_000);
afterAll(async () => prism?.stop());
beforeEach(async () => {
  if (specAvailable) ld = await fakeLaunchDarkly(prism);
});
afterEach(async () => {
  if (!specAvailable) return;
  expect(ld.violations).toEqual([]);
  await ld.close();
});

const HOUR = 3_600_000;
const t = Date.parse('2025-08-28T14:00:00Z');
const options = () => ({ baseUrl: ld.url, projectKey: 'default', environment: 'production', token: async () => 'api-key' });

describe.skipIf(!specAvailable)('LaunchDarklyAuditLog', () => {
  it("reads the guarded environment's rollout steps since a time, page by page, each entry fetched whole", async () => {
    ld.auditLog.push(
      stepEntry('e1', t - 3 * HOUR, 'storm', 0, 1),
      stepEntry('e2', t, 'storm', 1, 5),
      stepEntry('e3', t + HOUR, 'storm', 5, 25),
      stepEntry('e4', t + 2 * HOUR, 'other', 0, 50),
    );
    const auditLog = new LaunchDarklyAuditLog(options());
    const { releases, warnings } = await auditLog.releasesSince(t - HOUR);
    expect(warnings).toEqual([]);
    expect(releases.map((r) => r.kind === 'rollout-step' && [r.flag, r.fromPercent, r.toPercent])).toEqual([
      ['storm', 1, 5],
      ['storm', 5, 25],
      ['other', 0, 50],
    ]);
    expect(ld.requests.filter((r) => r.path.startsWith('/api/v2/auditlog?')).length).toBe(2);
    expect(ld.requests[0]!.path).toBe(
      `/api/v2/auditlog?after=${t - HOUR}&limit=20&spec=${encodeURIComponent('proj/default:env/production:flag/*')}`,
    );
  });

  it('backfills the last two hours into the store, as often as it runs, marking each read that finished', async () => {
    ld.auditLog.push(stepEntry('e2', t, 'storm', 1, 5));
    const stored: unknown[] = [];
    const marks: number[] = [];
    const backfill = createBackfillHandler(new LaunchDarklyAuditLog(options()), {
      addReleases: async (r) => void stored.push(...r),
      markTimelineRead: async (time) => void marks.push(time),
    });
    expect(await backfill({ time: new Date(t + HOUR).toISOString() })).toEqual({ releases: 1, warnings: 0 });
    expect(await backfill({ time: new Date(t + 3 * HOUR).toISOString() })).toEqual({ releases: 0, warnings: 0 });
    expect(marks).toEqual([t + HOUR, t + 3 * HOUR]);
  });

  it('marks no read when LaunchDarkly refuses the token: the gate then sees the timeline go stale', async () => {
    ld.auditLog.push(stepEntry('e2', t, 'storm', 1, 5));
    ld.script.push({ method: 'GET', status: 401 });
    const marks: number[] = [];
    const backfill = createBackfillHandler(new LaunchDarklyAuditLog(options()), {
      addReleases: async () => {},
      markTimelineRead: async (time) => void marks.push(time),
    });
    await expect(backfill({ time: new Date(t + HOUR).toISOString() })).rejects.toThrow(/401/);
    expect(marks).toEqual([]);
  });

  it('says when the window holds more pages than it reads: the oldest entries were not read', async () => {
    ld.auditLog.push(...Array.from({ length: 21 }, (_, i) => stepEntry(`p${i}`, t + i * 1000, 'storm', i, i + 1)));
    const auditLog = new LaunchDarklyAuditLog({ ...options(), maxPages: 1 });
    const { releases, warnings } = await auditLog.releasesSince(t - HOUR);
    expect(releases.length).toBeLessThan(21);
    expect(warnings).toEqual([
      `the audit log holds more than 1 pages of entries since ${new Date(t - HOUR).toISOString()}: the oldest were not read`,
    ]);
  });

  it('stops when its time is up, keeping the newest steps it read and saying the rest was not read', async () => {
    ld.auditLog.push(...Array.from({ length: 5 }, (_, i) => stepEntry(`d${i}`, t + i * 1000, 'storm', i, i + 1)));
    // The clock passes the deadline once the listing and two entries are read.
    const auditLog = new LaunchDarklyAuditLog({ ...options(), deadline: () => 5_000, now: () => (ld.requests.length >= 3 ? 10_000 : 0) });
    const { releases, warnings } = await auditLog.releasesSince(t - HOUR);
    expect(releases.map((r) => r.kind === 'rollout-step' && r.toPercent)).toEqual([4, 5]);
    expect(warnings).toEqual([
      expect.stringMatching(/^out of time after 2 steps read \(.*\): the older entries of the window were not read$/),
    ]);
  });

  it('out of time before its newest page is read whole, stores what it read and fails unmarked: the gate must not take the timeline as read', async () => {
    ld.auditLog.push(...Array.from({ length: 5 }, (_, i) => stepEntry(`d${i}`, t + i * 1000, 'storm', i, i + 1)));
    // The fake pages two entries at a time: the clock passes the deadline after the first page's listing and one entry.
    const auditLog = new LaunchDarklyAuditLog({ ...options(), deadline: () => 5_000, now: () => (ld.requests.length >= 2 ? 10_000 : 0) });
    const stored: unknown[] = [];
    const marks: number[] = [];
    const backfill = createBackfillHandler(
      auditLog,
      { addReleases: async (r) => void stored.push(...r), markTimelineRead: async (time) => void marks.push(time) },
      () => {},
    );
    await expect(backfill({ time: new Date(t + HOUR).toISOString() })).rejects.toThrow(/newest entries were not read/);
    expect(stored).toHaveLength(1);
    expect(marks).toEqual([]);
  });

  it('skips an entry it cannot read, saying which and why, and stores the others: one bad entry never costs the window', async () => {
    // Weights that do not sum to 100000: not a rollout LaunchDarkly would serve.
    const bad = auditEntry(
      'e-bad',
      t + 1000,
      flagVersion('storm', { production: { weights: [5000, 95000] } }),
      flagVersion('storm', { production: { weights: [1, 95000] } }),
    );
    ld.auditLog.push(stepEntry('e2', t, 'storm', 1, 5), bad, stepEntry('e3', t + 2000, 'other', 0, 50));
    const stored: unknown[] = [];
    const logged: unknown[] = [];
    const backfill = createBackfillHandler(
      new LaunchDarklyAuditLog(options()),
      { addReleases: async (r) => void stored.push(...r), markTimelineRead: async () => {} },
      (entry) => void logged.push(entry),
    );
    expect(await backfill({ time: new Date(t + HOUR).toISOString() })).toEqual({ releases: 2, warnings: 1 });
    expect(logged).toEqual([
      {
        level: 'warn',
        message: expect.stringMatching(
          /^LaunchDarkly audit log entry e-bad: field `\(document\)\.currentVersion.*the weights sum to .*: skipped$/,
        ),
      },
    ]);
  });
});
