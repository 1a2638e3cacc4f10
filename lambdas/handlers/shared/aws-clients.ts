/**
 * The AWS SDK clients' options, for every Lambda: each request attempt is bounded, so a hung
 * socket (a connection that never completes, an answer that never comes) fails in seconds, as any
 * other outside call of the run does, rather than holding the run to the Lambda's timeout, past
 * its time budget (budget.ts) and with nothing logged. The SDK tries a request SDK_ATTEMPTS times
 * (its standard retries), each within these; the shortest Lambdas (10 s: the gate, the
 * acknowledgement, the webhook, deploy events) fit all of them.
 *
 * The plain-object `requestHandler` is NodeHttpHandler's options; without `throwOnRequestTimeout`
 * a request past `requestTimeout` is only warned of, and goes on.
 */

/** The attempts of one request (the SDK's default, said here so that the bounds below hold whatever AWS_MAX_ATTEMPTS says). */
export const SDK_ATTEMPTS = 3;
/** A TCP connection to an AWS endpoint takes milliseconds. */
const CONNECTION_TIMEOUT_MS = 1_000;
/** DynamoDB, SNS and S3 answer the guardrail's requests in tens of milliseconds. */
const REQUEST_TIMEOUT_MS = 2_500;
/** A GetMetricData page of SEARCH results can take seconds; the detector (50 s) reads before it acts. */
const METRIC_READ_TIMEOUT_MS = 10_000;

export interface ClientOptions {
  readonly maxAttempts: number;
  readonly requestHandler: { readonly connectionTimeout: number; readonly requestTimeout: number; readonly throwOnRequestTimeout: true };
}

const bounded = (requestTimeout: number): ClientOptions => ({
  maxAttempts: SDK_ATTEMPTS,
  requestHandler: { connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout, throwOnRequestTimeout: true },
});

/** A DynamoDB, SNS or S3 client's options. */
export const clientOptions = (): ClientOptions => bounded(REQUEST_TIMEOUT_MS);

/** The CloudWatch client's options (GetMetricData). */
export const metricClientOptions = (): ClientOptions => bounded(METRIC_READ_TIMEOUT_MS);
