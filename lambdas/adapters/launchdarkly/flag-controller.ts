/**
 * The LaunchDarkly FlagController, over its REST API (v2):
 * 1. GET the flag in the environment: its variations' ids, the target's rollout, its off variation;
 * 2. leave it alone when it already serves at or below the target (idempotent);
 * 3. one semantic-patch PATCH (`updateFallthroughVariationOrRollout`, `updateRuleVariationOrRollout`
 *    or `turnFlagOff`) whose comment carries the evidence;
 * 4. GET it again to verify.
 *
 * What LaunchDarkly may answer, and what happens:
 * - 429: wait as `Retry-After` (seconds) or `X-Ratelimit-Reset` (epoch ms) say, plus jitter, then retry;
 * - 5xx and timeouts: bounded retries with exponential backoff and jitter;
 * - 405 (the environment requires approval): an approval request where configured, else a failure;
 *   either way the decision's alert pages a human;
 * - 400 (a conflict with a pending change): again with `ignoreConflicts=true` where configured, else a failure;
 * - 401/403: a failure that says the token was refused, with the status.
 */
import { StormguardError } from '../../core/errors.ts';
import { formatPercent } from '../../core/format.ts';
import { type EnvironmentConfig, servedPercent } from '../../formats/launchdarkly.ts';
import { type RolloutTarget, targetName } from '../../core/release.ts';
import { weightsForPercent } from '../../formats/rollout-weights.ts';
import type { FlagController } from '../../ports.ts';
import type { Outcome } from '../../core/decision.ts';
import { RetriesExhaustedError, type RetryOptions, retryingFetch } from '../http/retrying-fetch.ts';

export interface LaunchDarklyOptions extends RetryOptions {
  /** @default https://app.launchdarkly.com */
  readonly baseUrl?: string;
  readonly projectKey: string;
  /** The API access token (Secrets Manager in AWS, an environment variable locally). */
  readonly token: () => Promise<string>;
  /** On 405: ask for approval, or only fail (and page). @default 'page' */
  readonly onApprovalRequired?: 'request-approval' | 'page';
  /** On a conflicting pending change (400): apply anyway, or fail (and page). @default 'page' */
  readonly onConflict?: 'ignore-conflicts' | 'page';
}

interface RestFlag {
  readonly key: string;
  readonly _version?: number;
  readonly variations: ReadonlyArray<{ readonly _id: string; readonly value: unknown }>;
  readonly environments: Record<string, EnvironmentConfig & { rules?: Array<{ _id: string }> }>;
}

interface Instruction {
  readonly kind: 'updateFallthroughVariationOrRollout' | 'updateRuleVariationOrRollout' | 'turnFlagOff';
  readonly ruleId?: string;
  readonly rolloutWeights?: Record<string, number>;
}

const SEMANTIC_PATCH = 'application/json; domain-model=launchdarkly.semanticpatch';

export class LaunchDarklyFlagController implements FlagController {
  private readonly baseUrl: string;

  constructor(private readonly options: LaunchDarklyOptions) {
    this.baseUrl = (options.baseUrl ?? 'https://app.launchdarkly.com').replace(/\/$/, '');
  }

  async setRollout(request: Parameters<FlagController['setRollout']>[0]): Promise<Omit<Outcome, 'time'>> {
    try {
      return await this.change(request);
    } catch (error) {
      if (error instanceof LaunchDarklyError) return { status: 'failed', detail: error.message };
      throw error;
    }
  }

  private async change({ flag, environment, target, percent, turnOff, comment }: Parameters<FlagController['setRollout']>[0]): Promise<Omit<Outcome, 'time'>> {
    const before = await this.readFlag(flag, environment);
    const config = environmentOf(before, environment);
    const current = servedPercent(config, target);
    if (current === undefined) throw new LaunchDarklyError(`${flag} in ${environment} has no ${targetName(target)} to roll back`);
    if (turnOff ? !config.on : current <= percent) {
      return { status: 'unchanged', detail: `LaunchDarkly: ${flag} in ${environment} already serves ${formatPercent(current)}${turnOff ? ' (off)' : ''}` };
    }
    const instructions = [instructionFor(before, config, target, percent, turnOff)];
    const patched = await this.patch(flag, environment, instructions, comment);
    if (patched.status !== 'applied') return patched;
    const after = servedPercent(environmentOf(await this.readFlag(flag, environment), environment), target);
    const wanted = turnOff ? 0 : percent;
    if (after !== wanted) {
      return { status: 'failed', detail: `LaunchDarkly accepted the change to ${flag} but reading it back shows ${formatPercent(after ?? 0)}, not ${formatPercent(wanted)}` };
    }
    return {
      status: 'applied',
      detail: `LaunchDarkly: ${flag} in ${environment} (${targetName(target)}) ${formatPercent(current)} → ${turnOff ? 'off' : formatPercent(percent)}, verified by reading the flag back`,
    };
  }

  private async readFlag(flag: string, environment: string): Promise<RestFlag> {
    const response = await this.send('GET', `/api/v2/flags/${enc(this.options.projectKey)}/${enc(flag)}?env=${enc(environment)}`);
    if (response.status === 404) throw new LaunchDarklyError(`LaunchDarkly has no flag ${flag} in project ${this.options.projectKey} (404)`);
    refuseUnless(response, 200, `reading ${flag}`);
    return (await response.json()) as RestFlag;
  }

  private async patch(flag: string, environment: string, instructions: Instruction[], comment: string, ignoreConflicts = false): Promise<Omit<Outcome, 'time'>> {
    const body = { environmentKey: environment, comment, instructions };
    const query = ignoreConflicts ? '?ignoreConflicts=true' : '';
    const response = await this.send('PATCH', `/api/v2/flags/${enc(this.options.projectKey)}/${enc(flag)}${query}`, body, SEMANTIC_PATCH);
    if (response.status === 200) return { status: 'applied', detail: '' };
    if (response.status === 405) return this.approvalRequired(flag, environment, instructions, comment);
    if (response.status === 400 && !ignoreConflicts && this.options.onConflict === 'ignore-conflicts') {
      return this.patch(flag, environment, instructions, comment, true);
    }
    if (response.status === 400) {
      return { status: 'failed', detail: `LaunchDarkly refused the change to ${flag} (400): ${await reason(response)}; a pending change may conflict (set onConflict: ignore-conflicts to apply anyway)` };
    }
    refuseUnless(response, 200, `changing ${flag}`);
    return { status: 'applied', detail: '' };
  }

  /** 405: the environment requires approval for changes. */
  private async approvalRequired(flag: string, environment: string, instructions: Instruction[], comment: string): Promise<Omit<Outcome, 'time'>> {
    if (this.options.onApprovalRequired !== 'request-approval') {
      return { status: 'failed', detail: `${environment} requires approval for changes to ${flag} (405): nothing was changed; roll it back by hand` };
    }
    const path = `/api/v2/projects/${enc(this.options.projectKey)}/flags/${enc(flag)}/environments/${enc(environment)}/approval-requests`;
    const response = await this.send('POST', path, { description: `Stormguard rollback of ${flag}`, comment, instructions });
    refuseUnless(response, 201, `requesting approval for ${flag}`);
    const { _id: id } = (await response.json()) as { _id?: string };
    return { status: 'awaiting-approval', detail: `${environment} requires approval for changes to ${flag} (405): approval request ${id} created; a human must approve it` };
  }

  /** One request, retried on 429 (as told), 5xx and timeouts (backoff with jitter). */
  private async send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    try {
      return await retryingFetch(
        `${this.baseUrl}${path}`,
        { method, headers: { Authorization: await this.options.token(), 'Content-Type': contentType }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
        this.options,
      );
    } catch (error) {
      if (error instanceof RetriesExhaustedError) throw new LaunchDarklyError(`LaunchDarkly did not answer after ${error.attempts} attempts (${error.lastProblem})`);
      throw error;
    }
  }
}

class LaunchDarklyError extends StormguardError {
  constructor(message: string) {
    super('LAUNCHDARKLY', message);
  }
}

function instructionFor(flag: RestFlag, config: EnvironmentConfig, target: RolloutTarget, percent: number, turnOff: boolean): Instruction {
  if (turnOff) return { kind: 'turnFlagOff' };
  const control = config.offVariation ?? 1;
  const rule = target.kind === 'fallthrough' ? config.fallthrough : config.rules?.find((r) => r._id === target.ruleId);
  const current = rule?.rollout?.variations ?? [{ variation: rule?.variation ?? control, weight: 100_000 }];
  const weights = weightsForPercent(current, control, percent);
  const rolloutWeights = Object.fromEntries(
    weights.map(({ variation, weight }) => {
      const id = flag.variations[variation]?._id;
      if (!id) throw new LaunchDarklyError(`${flag.key} has no variation ${variation}`);
      return [id, weight];
    }),
  );
  return target.kind === 'fallthrough' ? { kind: 'updateFallthroughVariationOrRollout', rolloutWeights } : { kind: 'updateRuleVariationOrRollout', ruleId: target.ruleId, rolloutWeights };
}

function environmentOf(flag: RestFlag, environment: string): EnvironmentConfig {
  const config = flag.environments?.[environment];
  if (!config) throw new LaunchDarklyError(`LaunchDarkly's flag ${flag.key} has no environment ${environment}`);
  return config;
}

function refuseUnless(response: Response, expected: number, doing: string): void {
  if (response.status === expected) return;
  if (response.status === 401 || response.status === 403) {
    throw new LaunchDarklyError(`LaunchDarkly refused the API token while ${doing} (${response.status}): check the token's secret and its role (it needs writer access to the flag)`);
  }
  throw new LaunchDarklyError(`LaunchDarkly answered ${response.status} while ${doing}`);
}

async function reason(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const { message, code } = JSON.parse(text) as { message?: string; code?: string };
    return [code, message].filter(Boolean).join(': ') || text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}

function enc(part: string): string {
  return encodeURIComponent(part);
}
