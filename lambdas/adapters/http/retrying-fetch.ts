/**
 * fetch, retried the way APIs ask: on 429, wait as `Retry-After` (seconds) or
 * `X-Ratelimit-Reset` (epoch milliseconds) say; on 5xx and timeouts, back off exponentially; both
 * with jitter, up to a bounded number of attempts. Any other answer is returned as it is.
 */
export interface RetryOptions {
  /** @default 4 */
  readonly maxAttempts?: number;
  /** @default 5000 */
  readonly timeoutMs?: number;
  /** Injected for tests: waiting, the clock (for X-Ratelimit-Reset) and jitter. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly random?: () => number;
}

export class RetriesExhaustedError extends Error {
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

export async function retryingFetch(url: string, init: RequestInit, options: RetryOptions = {}): Promise<Response> {
  const attempts = options.maxAttempts ?? 4;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const jitter = () => Math.floor((options.random ?? Math.random)() * BACKOFF_BASE_MS);
  const backoff = (attempt: number) => Math.min(MAX_WAIT_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1) + jitter());
  const label = `${init.method ?? 'GET'} ${new URL(url).pathname}`;
  let lastProblem = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(options.timeoutMs ?? 5000) });
    } catch (error) {
      lastProblem = `${label}: ${error instanceof Error ? error.message : String(error)}`;
      if (attempt < attempts) await sleep(backoff(attempt));
      continue;
    }
    if (response.status !== 429 && response.status < 500) return response;
    lastProblem = `${label}: ${response.status} ${(await response.text().catch(() => '')).slice(0, 200)}`;
    if (attempt < attempts) await sleep(response.status === 429 ? rateLimitWait(response, options.now ?? Date.now, backoff(attempt), jitter()) : backoff(attempt));
  }
  throw new RetriesExhaustedError(attempts, lastProblem);
}

function rateLimitWait(response: Response, now: () => number, fallback: number, jitter: number): number {
  const retryAfter = Number(response.headers.get('Retry-After'));
  const reset = Number(response.headers.get('X-Ratelimit-Reset'));
  const told = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Number.isFinite(reset) && reset > now() ? reset - now() : fallback;
  return Math.min(MAX_WAIT_MS, told + jitter);
}
