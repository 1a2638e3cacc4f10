/**
 * The LaunchDarkly audit log, read back for the webhook deliveries that never came: entries about
 * the project's flags since a time (`GET /api/v2/auditlog`, page by page), each flag entry fetched
 * whole (`GET /api/v2/auditlog/{id}`: the listing leaves out the flag's versions), read into
 * rollout steps by the same reader as a delivery.
 */
import { InputError } from '../../core/errors.ts';
import { orderedUnique, type ReleaseEvent } from '../../core/release.ts';
import { readTimeline } from '../../formats/timeline.ts';
import { type RetryOptions, retryingFetch } from '../http/retrying-fetch.ts';

export interface AuditLogOptions extends RetryOptions {
  /** @default https://app.launchdarkly.com */
  readonly baseUrl?: string;
  readonly projectKey: string;
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
   * that entry ages out); pages beyond `maxPages` are said too.
   */
  async releasesSince(after: number): Promise<{ releases: ReleaseEvent[]; warnings: string[] }> {
    const spec = encodeURIComponent(`proj/${this.options.projectKey}:env/*:flag/*`);
    let path: string | undefined = `/api/v2/auditlog?after=${after}&limit=${PAGE_SIZE}&spec=${spec}`;
    const releases: ReleaseEvent[] = [];
    const warnings: string[] = [];
    const maxPages = this.options.maxPages ?? 10;
    for (let page = 0; path && page < maxPages; page++) {
      const listing: Listing = await this.get(path);
      for (const item of listing.items) {
        if (item.kind !== 'flag') continue;
        const entry = await this.get(`/api/v2/auditlog/${encodeURIComponent(item._id)}`);
        const read = this.read(entry, item._id);
        releases.push(...read.releases);
        warnings.push(...read.warnings);
      }
      path = listing._links?.next?.href;
    }
    if (path)
      warnings.push(
        `the audit log holds more than ${maxPages} pages of entries since ${new Date(after).toISOString()}: the oldest were not read`,
      );
    return { releases: orderedUnique(releases), warnings };
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
