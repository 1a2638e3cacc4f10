/**
 * The Prometheus source as the detector Lambda builds it: where to connect and how to sign in come
 * from one Secrets Manager secret (JSON), read on the first run and kept for the container's life.
 *
 *   { "url": "https://prometheus.internal:9090", "auth": { "kind": "bearer", "token": "…" } }
 *   { "url": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-…", "auth": { "kind": "sigv4", "region": "eu-west-1" } }
 *
 * SigV4 signs with the function's own role. A malformed secret is an error naming the field,
 * never showing a value.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import * as z from 'zod/mini';
import type { GuardrailConfig } from '../../core/config.ts';
import { InputError } from '../../core/errors.ts';
import type { MetricReadout } from '../../core/metric-series.ts';
import '../../core/zod-messages.ts';
import type { MetricSource } from '../../ports.ts';
import { type PrometheusAuth, PrometheusMetricSource } from './metric-source.ts';

const text = () => z.string().check(z.minLength(1));
const secretSchema = z.strictObject({
  url: text(),
  auth: z._default(
    z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('none') }),
      z.strictObject({ kind: z.literal('basic'), username: text(), password: text() }),
      z.strictObject({ kind: z.literal('bearer'), token: text() }),
      z.strictObject({ kind: z.literal('sigv4'), region: text() }),
    ]),
    { kind: 'none' },
  ),
  timeoutSeconds: z.optional(z.number().check(z.positive(), z.maximum(50))),
  clusterLabel: z.optional(text()),
  brokerLabel: z.optional(text()),
});

const SOURCE = 'the Prometheus secret';

export function prometheusSourceFromSecret(secret: () => Promise<string>, config: GuardrailConfig): MetricSource {
  let source: Promise<PrometheusMetricSource> | undefined;
  return {
    read: async (from: number, to: number): Promise<MetricReadout> => {
      source ??= secret().then((text) => new PrometheusMetricSource(parseSecret(text), config));
      return (await source).read(from, to);
    },
  };
}

/** The secret's JSON as source options; errors name the field and never echo a value. */
export function parseSecret(text: string): ConstructorParameters<typeof PrometheusMetricSource>[0] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new InputError(
      { file: SOURCE },
      'is not JSON: expected { "url": …, "auth": { "kind": "none" | "basic" | "bearer" | "sigv4", … } }',
    );
  }
  const parsed = secretSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const field = [...issue.path.map(String), ...keys.slice(0, 1)].join('.') || '(top level)';
    throw new InputError(
      { file: SOURCE, field },
      keys.length > 0 ? 'unknown key' : issue.code === 'invalid_type' ? `expected ${issue.expected}` : 'not valid',
    );
  }
  const { auth, timeoutSeconds, ...rest } = parsed.data;
  const prometheusAuth: PrometheusAuth =
    auth.kind === 'sigv4' ? { kind: 'sigv4', region: auth.region, credentials: defaultProvider() } : auth;
  return { ...rest, auth: prometheusAuth, ...(timeoutSeconds ? { timeoutMs: timeoutSeconds * 1000 } : {}) };
}
