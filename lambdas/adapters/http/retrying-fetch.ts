/**
 * fetch, retried the way APIs ask: on 429, wait as `Retry-After` (seconds) or
 * `X-Ratelimit-Reset` (epoch milliseconds) say; on 5xx and timeouts, back off exponentially; both
 * with jitter, up to a bounded number of attempts. Any other answer is returned as it is.
 *
 * Within a deadline where one is given: an attempt is cut short at it, and a wait that would pass
 * it is not waited (DeadlineExceededError), so the caller's run ends in time and leaves the rest
 * for the next one.
 *
 * Errors name the request by its label, never by its URL: a webhook URL is a secret.
 */
import { DeadlineExceededError, saysUnavailable, UnavailableError } from '../../core/errors.ts';

export interface RetryOptions {
  /** @default 4 */
  readonly maxAttempts?: number;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /**
   * When the call must be over, in epoch milliseconds by `now`: read at each call, so one adapter
   * serves run after run, each with its own deadline. @default none
   */
  readonly deadline?: () => number;
  /** Injected for tests: waiting, the clock (for X-Ratelimit-Reset and the deadline) and jitter. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class RetriesExhaustedError extends UnavailableError {
  constructor(
    readonly attempts: number,
    readonly lastProblem: string,
  ) {
    super(`no answer after ${attempts} attempts (${lastProblem})`);
    this.name = 'RetriesExhaustedError';
  }
}

const BACKOFF_BASE_MS = 500;
const MAX_WAIT_MS = 30_000;
/** An attempt with less time than this left is not started. */
const MIN_ATTEMPT_MS = 250;

/** How errors speak of a request. */
export interface RequestNaming {
  /** What the request is (default: the method and the host; never the path or query, which may carry a secret). */
  readonly label?: string;
  /** Values cut out of any message, should an answer quote them (a token, a routing key). */
  readonly secrets?: ReadonlyArray<string | undefined>;
}

export async function retryingFetch(
  url: string,
  init: RequestInit,
  options: RetryOptions = {},
  { label, secrets = [] }: RequestNaming = {},
): Promise<Response> {
  const attempts = options.maxAttempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const deadline = options.deadline?.() ?? Infinity;
  const jitter = () => Math.floor((options.random ?? Math.random)() * BACKOFF_BASE_MS);
  const backoff = (attempt: number) => Math.min(MAX_WAIT_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1) + jitter());
  const name = label ?? `${init.method ?? 'GET'} ${hostOf(url)}`;
  const redact = (text: string) =>
    secrets.reduce<string>((out, secret) => (secret ? out.split(secret).join('<secret>') : out), redactUrl(text, url));
  let lastProblem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const left = deadline - now();
    if (left < MIN_ATTEMPT_MS)
      throw new DeadlineExceededError(`${name}: out of time for attempt ${attempt}${lastProblem ? ` (${lastProblem})` : ''}`);
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(Math.min(options.timeoutMs ?? 5000, left)) });
    } catch (error) {
      lastProblem = `${name}: ${redact(error instanceof Error ? error.message : String(error))}`;
      if (attempt < attempts) await wait(backoff(attempt));
      continue;
    }
    if (!saysUnavailable(response.status)) return response;
    lastProblem = `${name}: ${response.status} ${redact((await response.text().catch(() => '')).slice(0, 200))}`;
    if (attempt < attempts)
      await wait(response.status === 429 ? rateLimitWait(response, now, backoff(attempt), jitter()) : backoff(attempt));
  }
  throw new RetriesExhaustedError(attempts, lastProblem);

  async function wait(ms: number): Promise<void> {
    if (now() + ms > deadline - MIN_ATTEMPT_MS) {
      throw new DeadlineExceededError(`${name}: told to wait ${(ms / 1000).toFixed(1)} s (${lastProblem}), past the run's deadline`);
    }
    await sleep(ms);
  }
}

function rateLimitWait(response: Response, now: () => number, fallback: number, jitter: number): number {
  const retryAfter = Number(response.headers.get('Retry-After'));
  const reset = Number(response.headers.get('X-Ratelimit-Reset'));
  const told =
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(reset) && reset > now() ? reset - now() : fallback;
  return Math.min(MAX_WAIT_MS, told + jitter);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an unparsable URL';
  }
}

/** The URL, and its path, cut out of a message (fetch's own errors may quote it). */
export function redactUrl(text: string, url: string): string {
  let path = '';
  try {
    const parsed = new URL(url);
    path = `${parsed.pathname}${parsed.search}`;
  } catch {
    // an unparsable URL is cut out whole below
  }
  let out = text.split(url).join('<url>');
  if (path.length > 1) out = out.split(path).join('<path>');
  return out;
}
