/**
 * The Prometheus MetricSource: each configured signal read with the HTTP API's
 * `/api/v1/query_range`, one step per metric period, as the same series the CloudWatch source
 * returns (key, signal, `Cluster Name` and `Broker ID` dimensions, cluster; each value stamped at
 * the start of the period it covers, as GetMetricData stamps it), so everything after the source
 * is the same.
 *
 * Works with any Prometheus-compatible API: Prometheus itself (no auth, basic or bearer), and
 * Amazon Managed Service for Prometheus (SigV4, service `aps`). The cluster comes from a label
 * (`cluster` by default), the broker from another (`broker`, else `instance`).
 *
 * What the server says is kept: a rejected query is an error naming the signal's `promql`; 5xx
 * and timeouts are retried, then an error; `warnings` (partial data) and `infos` come back as
 * readout warnings; NaN and infinite values are skipped and counted, never read as numbers.
 */
import type { GuardrailConfig, SignalConfig } from '../../core/config.ts';
import { InputError, StormguardError } from '../../core/errors.ts';
import type { MetricReadout, MetricSeries } from '../../core/metric-series.ts';
import type { MetricSource } from '../../ports.ts';
import { RetriesExhaustedError, type RetryOptions, retryingFetch } from '../http/retrying-fetch.ts';
import { checkedMatrix, type RangeResult } from './matrix.ts';
import { queryFor } from './queries.ts';
import { repeatedSamples } from './scrape-interval.ts';
import { seriesOf } from './series.ts';
import { type SigV4Settings, signedHeaders } from './sigv4.ts';

export type PrometheusAuth =
  | { readonly kind: 'none' }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | { readonly kind: 'bearer'; readonly token: string }
  | ({ readonly kind: 'sigv4' } & SigV4Settings);

export interface PrometheusSourceOptions {
  /** The API's base: `http://prometheus:9090`, or an AMP workspace's `https://aps-workspaces.REGION.amazonaws.com/workspaces/ID`. */
  readonly url: string;
  readonly auth?: PrometheusAuth;
  /** Per request, on the client and as the server's query `timeout`. @default 30000 */
  readonly timeoutMs?: number;
  /** @default cluster */
  readonly clusterLabel?: string;
  /** @default broker; series without it are named by `instance` */
  readonly brokerLabel?: string;
  /** Retries of 5xx and timeouts (attempts, waiting). */
  readonly retry?: Omit<RetryOptions, 'timeoutMs'>;
}

/** Prometheus refuses ranges of more than 11,000 points per series; stay under it. */
export const MAX_STEPS_PER_QUERY = 10_000;

export class PrometheusMetricSource implements MetricSource {
  private readonly base: URL;

  constructor(
    private readonly options: PrometheusSourceOptions,
    private readonly config: GuardrailConfig,
  ) {
    this.base = parseBaseUrl(options.url);
  }

  async read(from: number, to: number): Promise<MetricReadout> {
    const stepMs = this.config.metricPeriodSeconds * 1000;
    const series: MetricSeries[] = [];
    const warnings: string[] = [];
    for (const signal of this.config.signals) {
      const query = queryFor(signal);
      if (!query) {
        warnings.push(`Prometheus: ${signal.name} has no default PromQL: set signals.${signal.name}.promql to read it`);
        continue;
      }
      const matrix: RangeResult[] = [];
      for (const [start, end] of stepWindows(from, to, stepMs)) {
        const answer = await this.queryRange(signal, query, start, end);
        matrix.push(...answer.result);
        warnings.push(...answer.notes.map((note) => `Prometheus: ${signal.name}: ${note}`));
      }
      const mapped = seriesOf(
        signal,
        matrix,
        { from, to },
        {
          clusterLabel: this.options.clusterLabel ?? 'cluster',
          brokerLabel: this.options.brokerLabel ?? 'broker',
          clusters: this.config.clusters,
          periodMs: stepMs,
        },
      );
      series.push(...mapped.series);
      warnings.push(...mapped.warnings);
    }
    warnings.push(...repeatedSamples(series, stepMs));
    return { series: series.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)), warnings };
  }

  /** One `query_range` request; the result matrix and the server's warnings and infos. */
  private async queryRange(
    signal: SignalConfig,
    query: string,
    start: number,
    end: number,
  ): Promise<{ result: RangeResult[]; notes: string[] }> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const body = new URLSearchParams({
      query,
      start: String(start / 1000),
      end: String(end / 1000),
      step: `${this.config.metricPeriodSeconds}s`,
      timeout: `${Math.max(1, Math.floor(timeoutMs / 1000))}s`,
    }).toString();
    const url = new URL('api/v1/query_range', this.base);
    const headers = await this.headers(url, body);
    let response: Response;
    try {
      response = await retryingFetch(
        url.href,
        { method: 'POST', headers, body },
        { ...this.options.retry, timeoutMs },
        { label: `POST ${url.pathname}` },
      );
    } catch (error) {
      const detail = error instanceof RetriesExhaustedError ? error.message : error instanceof Error ? error.message : String(error);
      throw new StormguardError(
        'PROMETHEUS_UNAVAILABLE',
        `Prometheus at ${this.where()} did not answer the query for ${signal.name}: ${detail}`,
        { cause: error },
      );
    }
    const text = await response.text();
    const document = parseJson(text);
    if (!response.ok || document?.status !== 'success') throw this.refusal(signal, response.status, document, text);
    const data = document.data as { resultType?: unknown; result?: unknown } | undefined;
    if (data?.resultType !== 'matrix' || !Array.isArray(data.result)) {
      throw new InputError(
        { field: `signals.${signal.name}.promql` },
        `Prometheus answered with a ${String(data?.resultType)}, not a range of series (matrix): the query must give series over time`,
      );
    }
    const notes = [...strings(document.warnings), ...strings(document.infos).map((info) => `info: ${info}`)];
    return { result: checkedMatrix(data.result, this.where(), signal.name), notes };
  }

  private async headers(url: URL, body: string): Promise<Record<string, string>> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    const auth = this.options.auth ?? { kind: 'none' };
    switch (auth.kind) {
      case 'basic':
        return { ...headers, authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
      case 'bearer':
        return { ...headers, authorization: `Bearer ${auth.token}` };
      case 'sigv4':
        return signedHeaders(auth, 'POST', url, headers, body);
      case 'none':
        return headers;
    }
  }

  /** The server's refusal as an error a person can act on; credentials are never part of it. */
  private refusal(signal: SignalConfig, status: number, document: PrometheusDocument | undefined, text: string): Error {
    const said = document?.error ? `${document.errorType ?? 'error'}: ${document.error}` : `${status} ${text.slice(0, 200)}`;
    if (status === 400) return new InputError({ field: `signals.${signal.name}.promql` }, `Prometheus rejected the query (${said})`);
    if (status === 401 || status === 403)
      return new StormguardError('PROMETHEUS_AUTH', `Prometheus at ${this.where()} refused the credentials (${status}): check them`);
    return new StormguardError(
      'PROMETHEUS_QUERY',
      `Prometheus at ${this.where()} could not run the query for ${signal.name} (${status}, ${said})`,
    );
  }

  /** The server, for messages: no credentials, no query. */
  private where(): string {
    return `${this.base.origin}${this.base.pathname}`;
  }
}

interface PrometheusDocument {
  status?: string;
  data?: unknown;
  errorType?: string;
  error?: string;
  warnings?: unknown;
  infos?: unknown;
}

/**
 * The query windows for the periods from < T <= to − step (complete by `to`), as evaluation times:
 * each period is evaluated at its last millisecond, T + step − 1 ms, where a gauge's last value is
 * the period's last sample and a range ends with the period [T, T + step), the one CloudWatch
 * stamps T (on the boundary itself they would take in the next period's first sample). A range of
 * one step covers the period; a longer one reaches back into the periods before it: the default
 * `rate(…[2m])` at 60 s periods averages each period with the one before. At most MAX_STEPS_PER_QUERY each.
 */
export function stepWindows(from: number, to: number, stepMs: number): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  const last = Math.floor(to / stepMs) * stepMs - 1;
  for (let start = (Math.floor(from / stepMs) + 2) * stepMs - 1; start <= last; start += MAX_STEPS_PER_QUERY * stepMs) {
    windows.push([start, Math.min(last, start + (MAX_STEPS_PER_QUERY - 1) * stepMs)]);
  }
  return windows;
}

function parseBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url.endsWith('/') ? url : `${url}/`);
  } catch {
    throw new InputError({ field: 'prometheus.url' }, `not a URL: ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new InputError({ field: 'prometheus.url' }, `expected http or https, got ${parsed.protocol}`);
  if (parsed.username || parsed.password) {
    throw new InputError(
      { field: 'prometheus.url' },
      'has credentials in it: pass them as basic auth (PROMETHEUS_USERNAME, PROMETHEUS_PASSWORD) instead, so they are never printed',
    );
  }
  return parsed;
}

function parseJson(text: string): PrometheusDocument | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as PrometheusDocument) : undefined;
  } catch {
    return undefined;
  }
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}
