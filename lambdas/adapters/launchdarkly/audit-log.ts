/**
 * The LaunchDarkly audit log, read back for the webhook deliveries that never came: entries about
 * the project's flags since a time (`GET /api/v2/auditlog`, page by page), each flag entry fetched
 * whole (`GET /api/v2/auditlog/{id}`: the listing leaves out the flag's versions), read into
 * rollout steps by the same reader as a delivery.
 */
import { DeadlineExceededError, InputError } from '../../core/errors.ts';
import { orderedUnique, type ReleaseEvent } from '../../core/release.ts';
import { readTimeline } from '../../formats/timeline.ts';
import { type RetryOptions, retryingFetch } from '../http/retrying-fetch.ts';

export interface AuditLogOptions extends RetryOptions {
  /** @default https://app.launchdarkly.com */
  readonly baseUrl?: string;
  readonly projectKey: string;
  /** The guarded environment's key: entries of other environments are not asked for. */
  readonly environment: string;
  readonly token: () => Promise<string>;
  /** Pages read at most per backfill. @default 10 */
  readonly maxPages?: number;
  /** The flags' control variations: what a step's percentage is measured against (readTimeline). */
  readonly controls?: Readonly<Record<string, number>>;
}

interface Listing {
  readonly items: ReadonlyArray<{ readonly _id: string; readonly kind: string }>;
  readonly _links?: { readonly next?: { readonly href?: string } };
}

const PAGE_SIZE = 20;

export class LaunchDarklyAuditLog {
  private readonly baseUrl: string;

  constructor(private readonly options: AuditLogOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://app.launchdarkly.com').replace(/\/$/, '');
  }

  /**
   * The rollout steps recorded after `after` (epoch ms), and what could not be read: an entry the
   * reader refuses is skipped and said, never the whole window lost with it (on every run, until
   * that entry ages out); pages beyond `maxPages` are said too. `upToDate`: the newest page was
   * read whole (newest first: nothing since an earlier read is missing); not so when the run's time
   * ran out before (a rate limit asking to wait past it, a slow answer).
   */
  async releasesSince(after: number): Promise<{ releases: ReleaseEvent[]; warnings: string[]; upToDate: boolean }> {
    const read = { releases: [] as ReleaseEvent[], warnings: [] as string[], pages: 0 };
    try {
      if (await this.readPages(after, read))
        read.warnings.push(
          `the audit log holds more than ${this.options.maxPages ?? 10} pages of entries since ${new Date(after).toISOString()}: the oldest were not read`,
        );
    } catch (error) {
      if (!(error instanceof DeadlineExceededError)) throw error;
      // What was read is kept (stored by the caller); the older rest was read by earlier runs, or is read by the next.
      read.warnings.push(
        `out of time after ${read.releases.length} steps read (${error.message}): the older entries of the window were not read`,
      );
    }
    return { releases: orderedUnique(read.releases), warnings: read.warnings, upToDate: read.pages > 0 };
  }

  /**
   * The listing's pages, newest first (LaunchDarkly's order), each flag entry read into `read`
   * (`pages`: how many were read whole); only the guarded environment's entries are asked for.
   * Whether pages were left beyond `maxPages`.
   */
  private async readPages(after: number, read: { releases: ReleaseEvent[]; warnings: string[]; pages: number }): Promise<boolean> {
    const spec = encodeURIComponent(`proj/${this.options.projectKey}:env/${this.options.environment}:flag/*`);
    let path: string | undefined = `/api/v2/auditlog?after=${after}&limit=${PAGE_SIZE}&spec=${spec}`;
    for (; path && read.pages < (this.options.maxPages ?? 10); read.pages++) {
      const listing: Listing = await this.get(path);
      for (const item of listing.items) {
        if (item.kind !== 'flag') continue;
        const entry = this.read(await this.get(`/api/v2/auditlog/${encodeURIComponent(item._id)}`), item._id);
        read.releases.push(...entry.releases);
        read.warnings.push(...entry.warnings);
      }
      path = listing._links?.next?.href;
    }
    return path !== undefined;
  }

  /** One entry through the timeline's reader; a refused one is a warning naming it. */
  private read(entry: unknown, id: string): { releases: ReleaseEvent[]; warnings: string[] } {
    try {
      const { events, warnings } = readTimeline([{ source: `LaunchDarkly audit log entry ${id}`, document: entry }], {
        controls: this.options.controls,
        project: this.options.projectKey,
      });
      return { releases: events, warnings };
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { releases: [], warnings: [`${error.message}: skipped`] };
    }
  }

  private async get<T>(path: string): Promise<T> {
    const token = await this.options.token();
    const response = await retryingFetch(`${this.baseUrl}${path}`, { headers: { Authorization: token } }, this.options, {
      label: `GET ${path.split('?')[0]}`,
      secrets: [token],
    });
    if (response.status !== 200) throw new Error(`LaunchDarkly answered ${response.status} to GET ${path.split('?')[0]}`);
    return (await response.json()) as T;
  }
}
