/**
 * `stormguard replay --prometheus URL --from … --to …`: the metrics from a live Prometheus (or
 * Amazon Managed Service for Prometheus), the releases from the `--timeline` files.
 *
 * Credentials come from the environment, never from the command line (where `ps` and shell
 * history would show them): PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and
 * PROMETHEUS_PASSWORD; with `--sigv4 REGION`, the AWS SDK's default credential chain.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { LoadedExports } from '../lambdas/adapters/local/export-files.ts';
import { readJson } from '../lambdas/adapters/local/files.ts';
import { type PrometheusAuth, PrometheusMetricSource } from '../lambdas/adapters/prometheus/metric-source.ts';
import type { GuardrailConfig } from '../lambdas/core/config.ts';
import { InputError } from '../lambdas/core/errors.ts';
import { readDecimal, readTime } from '../lambdas/core/input-bounds.ts';
import { readTimeline, timelineScope } from '../lambdas/formats/timeline.ts';

/** As a replay of exported files (lambdas/app/schedule.ts): 92 days of periods at most. */
const MAX_SPAN_MS = 92 * 86_400_000;

export interface PrometheusReplayOptions {
  readonly prometheus: string;
  readonly from?: string;
  readonly to?: string;
  readonly sigv4?: string;
  readonly timeline?: readonly string[];
}

export async function loadFromPrometheus(
  options: PrometheusReplayOptions,
  config: GuardrailConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LoadedExports> {
  const from = parseTime(options.from, '--from');
  const to = parseTime(options.to, '--to');
  if (to <= from) throw new InputError({ field: '--to' }, 'must be after --from');
  if (to - from > MAX_SPAN_MS)
    throw new InputError(
      { field: '--to' },
      `is ${Math.round((to - from) / 86_400_000)} days after --from: a replay spans at most ${MAX_SPAN_MS / 86_400_000} days`,
    );
  // The timeline is read and checked first: a missing or wrong file is said at once, not after (or instead of) a network failure.
  const documents = await Promise.all((options.timeline ?? []).map(async (source) => ({ source, document: await readJson(source) })));
  const timeline = readTimeline(documents, timelineScope(config));
  const source = new PrometheusMetricSource({ url: options.prometheus, auth: authFrom(options.sigv4, env), ...timeoutFrom(env) }, config);
  // The replay's first period starts at `from`: read it too (the source reads from < t <= to).
  const metrics = await source.read(from - 1, to);
  if (metrics.series.length === 0) {
    throw new InputError(
      { field: '--prometheus' },
      `no series for any configured signal (${config.signals.map((s) => s.name).join(', ')}) between --from and --to; check the PromQL (docs/configuration.md)`,
    );
  }
  return {
    series: metrics.series,
    releases: timeline.events,
    flagChanges: timeline.flagChanges,
    warnings: [...metrics.warnings, ...timeline.warnings],
  };
}

/** Who the CLI is to Prometheus: SigV4 for AMP, else a bearer token, else basic auth, else nobody. */
export function authFrom(sigv4Region: string | undefined, env: NodeJS.ProcessEnv): PrometheusAuth {
  if (sigv4Region) return { kind: 'sigv4', region: sigv4Region, credentials: defaultProvider() };
  if (env.PROMETHEUS_BEARER_TOKEN) return { kind: 'bearer', token: env.PROMETHEUS_BEARER_TOKEN };
  if (env.PROMETHEUS_USERNAME || env.PROMETHEUS_PASSWORD) {
    if (!env.PROMETHEUS_USERNAME || !env.PROMETHEUS_PASSWORD)
      throw new InputError(
        { field: env.PROMETHEUS_USERNAME ? 'PROMETHEUS_PASSWORD' : 'PROMETHEUS_USERNAME' },
        'basic auth needs both PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD',
      );
    return { kind: 'basic', username: env.PROMETHEUS_USERNAME, password: env.PROMETHEUS_PASSWORD };
  }
  return { kind: 'none' };
}

function timeoutFrom(env: NodeJS.ProcessEnv): { timeoutMs?: number } {
  const raw = env.PROMETHEUS_TIMEOUT_SECONDS;
  if (raw === undefined) return {};
  const seconds = readDecimal(raw);
  if (seconds === undefined || seconds <= 0)
    throw new InputError({ field: 'PROMETHEUS_TIMEOUT_SECONDS' }, `expected a positive number of seconds, got ${JSON.stringify(raw)}`);
  return { timeoutMs: seconds * 1000 };
}

function parseTime(value: string | undefined, field: string): number {
  if (value === undefined) throw new InputError({ field }, 'is required with --prometheus (an ISO 8601 time, e.g. 2025-08-28T08:00:00Z)');
  const reading = readTime(value, 'none');
  if ('problem' in reading) throw new InputError({ field }, reading.problem);
  return reading.time;
}
