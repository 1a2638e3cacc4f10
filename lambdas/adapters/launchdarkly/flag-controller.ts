/**
 * The LaunchDarkly FlagController, over its REST API (v2):
 * 1. GET the flag in the environment: its version, its variations, the target's rollout, its off variation;
 * 2. leave it alone when it already serves at or below the target (idempotent);
 * 3. one JSON Patch PATCH that first tests the flag's version (`{ "op": "test", "path": "/version" }`,
 *    as LaunchDarkly's API documents for preconditions), then sets the target's rollout weights (or
 *    turns the flag off); its comment carries the evidence;
 * 4. GET it again to verify.
 *
 * Never raises exposure: the change applies only to the flag as it was read. When someone changed
 * it in between, LaunchDarkly refuses the patch, and the controller reads the flag again and
 * starts over from what it serves now: it only ever lowers, to min(target, now).
 *
 * What LaunchDarkly may answer, and what happens:
 * - 409 (the version test failed: the flag changed since it was read): read again, decide again;
 * - 429: wait as `Retry-After` (seconds) or `X-Ratelimit-Reset` (epoch ms) say, plus jitter, then
 *   retry; a wait past the run's deadline is not waited (DeadlineExceededError: the next run resumes);
 * - 5xx and timeouts: bounded retries with exponential backoff and jitter, within the deadline;
 * - 405 (the environment requires approval): an approval request (semantic patch instructions)
 *   where configured, else a failure; either way the decision's alert pages a human;
 * - 400 (a conflict with a pending change): again with `ignoreConflicts=true` where configured, else a failure;
 * - 401/403: a failure that says the token was refused, with the status.
 */

import type { Outcome } from '../../core/decision.ts';
import { DeadlineExceededError, StormguardError } from '../../core/errors.ts';
import { formatPercent } from '../../core/format.ts';
import { type RolloutTarget, targetName } from '../../core/release.ts';
import { type EnvironmentConfig, servedPercent } from '../../formats/launchdarkly.ts';
import { TOTAL_WEIGHT, weightsForPercent } from '../../formats/rollout-weights.ts';
import type { FlagController } from '../../ports.ts';
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

/** One JSON Patch (RFC 6902) operation. */
interface PatchOperation {
  readonly op: 'test' | 'replace' | 'add' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

/**
 * The flag's version as a JSON Patch precondition, in the form LaunchDarkly's API documents
 * ("Updates using JSON patch": `{ "op": "test", "path": "/version", "value": 10 }`).
 */
const VERSION_PATH = '/version';
/** Reads and tries again after the flag changed under a change, before giving up. */
const MAX_CHANGE_ATTEMPTS = 3;

interface Instruction {
  readonly kind: 'updateFallthroughVariationOrRollout' | 'updateRuleVariationOrRollout' | 'turnFlagOff';
  readonly ruleId?: string;
  readonly rolloutWeights?: Record<string, number>;
}

const SEMANTIC_PATCH = 'application/json; domain-model=launchdarkly.semanticpatch';

export class LaunchDarklyFlagController implements FlagController {
  private readonly baseUrl: string;
  /** The token as last read: cut out of any message that would quote it. */
  private tokenRead: string | undefined;

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

  private async change({
    flag,
    environment,
    target,
    percent,
    turnOff,
    comment,
  }: Parameters<FlagController['setRollout']>[0]): Promise<Omit<Outcome, 'time'>> {
    let changedUnder: string | undefined;
    for (let attempt = 1; ; attempt++) {
      const read = await this.readFlag(flag, environment);
      const config = environmentOf(read, environment);
      const current = servedPercent(config, target);
      if (current === undefined) throw new LaunchDarklyError(`${flag} in ${environment} has no ${targetName(target)} to roll back`);
      if (turnOff ? !config.on : current <= percent) {
        const why = changedUnder ? '; someone changed it while Stormguard was changing it, and it was left as they set it' : '';
        return {
          status: 'unchanged',
          detail: `LaunchDarkly: ${flag} in ${environment} already serves ${formatPercent(current)}${turnOff ? ' (off)' : ''}${why}`,
        };
      }
      if (read._version === undefined)
        throw new LaunchDarklyError(`LaunchDarkly's flag ${flag} has no _version: it cannot be changed safely`);
      const plan: Plan = { flag, environment, read, config, target, percent, turnOff, comment };
      const patched = await this.patch(plan);
      if (patched.status === 'changed-under') {
        changedUnder = patched.detail;
        if (attempt < MAX_CHANGE_ATTEMPTS) continue;
        return {
          status: 'failed',
          detail: `LaunchDarkly refused the version-checked change to ${flag} ${MAX_CHANGE_ATTEMPTS} times (last: ${patched.detail}); nothing was written: roll it back by hand`,
        };
      }
      if (patched.status !== 'applied') return patched;
      const after = servedPercent(environmentOf(await this.readFlag(flag, environment), environment), target);
      const wanted = turnOff ? 0 : percent;
      if (after !== wanted) {
        return {
          status: 'failed',
          detail: `LaunchDarkly accepted the change to ${flag} but reading it back shows ${formatPercent(after ?? 0)}, not ${formatPercent(wanted)}`,
        };
      }
      return {
        status: 'applied',
        detail:
          `LaunchDarkly: ${flag} in ${environment} (${targetName(target)}) ${formatPercent(current)} → ${turnOff ? 'off' : formatPercent(percent)}, ` +
          `verified by reading the flag back${changedUnder ? ' (read again after someone changed it under the first attempt)' : ''}`,
      };
    }
  }

  private async readFlag(flag: string, environment: string): Promise<RestFlag> {
    const response = await this.send('GET', `/api/v2/flags/${enc(this.options.projectKey)}/${enc(flag)}?env=${enc(environment)}`);
    if (response.status === 404)
      throw new LaunchDarklyError(`LaunchDarkly has no flag ${flag} in project ${this.options.projectKey} (404)`);
    refuseUnless(response, 200, `reading ${flag}`);
    return (await response.json()) as RestFlag;
  }

  /**
   * The version-checked JSON Patch. `changed-under`: the flag is no longer the version that was
   * read (409; or 400 while its version moved, should a failed test come back so): nothing was
   * written, and the caller reads it again.
   */
  private async patch(plan: Plan, ignoreConflicts = false): Promise<Omit<Outcome, 'time'> | { status: 'changed-under'; detail: string }> {
    const { flag, environment, read, comment } = plan;
    const operations: PatchOperation[] = [{ op: 'test', path: VERSION_PATH, value: read._version }, ...operationsFor(plan)];
    const query = ignoreConflicts ? '?ignoreConflicts=true' : '';
    const response = await this.send('PATCH', `/api/v2/flags/${enc(this.options.projectKey)}/${enc(flag)}${query}`, {
      comment,
      patch: operations,
    });
    if (response.status === 200) return { status: 'applied', detail: '' };
    if (response.status === 409) return { status: 'changed-under', detail: `409 ${await this.reason(response)}` };
    if (response.status === 405) return this.approvalRequired(flag, environment, [instructionFor(plan)], comment);
    if (response.status === 400) {
      const why = await this.reason(response);
      if ((await this.readFlag(flag, environment))._version !== read._version) return { status: 'changed-under', detail: `400 ${why}` };
      if (!ignoreConflicts && this.options.onConflict === 'ignore-conflicts') return this.patch(plan, true);
      return {
        status: 'failed',
        detail: `LaunchDarkly refused the change to ${flag} (400): ${why}; a pending change may conflict (set onConflict: ignore-conflicts to apply anyway)`,
      };
    }
    refuseUnless(response, 200, `changing ${flag}`);
    return { status: 'applied', detail: '' };
  }

  /** 405: the environment requires approval for changes. */
  private async approvalRequired(
    flag: string,
    environment: string,
    instructions: Instruction[],
    comment: string,
  ): Promise<Omit<Outcome, 'time'>> {
    if (this.options.onApprovalRequired !== 'request-approval') {
      return {
        status: 'failed',
        detail: `${environment} requires approval for changes to ${flag} (405): nothing was changed; roll it back by hand`,
      };
    }
    const path = `/api/v2/projects/${enc(this.options.projectKey)}/flags/${enc(flag)}/environments/${enc(environment)}/approval-requests`;
    const response = await this.send('POST', path, { description: `Stormguard rollback of ${flag}`, comment, instructions });
    refuseUnless(response, 201, `requesting approval for ${flag}`);
    const { _id: id } = (await response.json()) as { _id?: string };
    return {
      status: 'awaiting-approval',
      detail: `${environment} requires approval for changes to ${flag} (405): approval request ${id} created; a human must approve it`,
    };
  }

  /** One request, retried on 429 (as told), 5xx and timeouts (backoff with jitter), within the deadline. */
  private async send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    const token = await this.options.token();
    this.tokenRead = token;
    try {
      return await retryingFetch(
        `${this.baseUrl}${path}`,
        {
          method,
          headers: { Authorization: token, 'Content-Type': contentType },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        },
        this.options,
        { label: `${method} ${path}`, secrets: [token] },
      );
    } catch (error) {
      if (error instanceof DeadlineExceededError) throw error; // nothing known changed: the next run resumes
      if (error instanceof RetriesExhaustedError)
        throw new LaunchDarklyError(`LaunchDarkly did not answer after ${error.attempts} attempts (${error.lastProblem})`);
      throw error;
    }
  }

  /** Why LaunchDarkly refused, from its error body; never the token, should it be quoted. */
  private async reason(response: Response): Promise<string> {
    const text = await reason(response);
    return this.tokenRead ? text.split(this.tokenRead).join('<token>') : text;
  }
}

/** A change as planned from one read of the flag. */
interface Plan {
  readonly flag: string;
  readonly environment: string;
  readonly read: RestFlag;
  readonly config: EnvironmentConfig;
  readonly target: RolloutTarget;
  readonly percent: number;
  readonly turnOff: boolean;
  readonly comment: string;
}

class LaunchDarklyError extends StormguardError {
  constructor(message: string) {
    super('LAUNCHDARKLY', message);
  }
}

/** The JSON Patch operations that make the plan's target serve its percentage (after the version test). */
function operationsFor({ read, config, environment, target, percent, turnOff }: Plan): PatchOperation[] {
  const base = `/environments/${pointer(environment)}`;
  if (turnOff) return [{ op: 'replace', path: `${base}/on`, value: false }];
  const { rule, weights } = rolloutFor(read, config, target, percent);
  const index = target.kind === 'fallthrough' ? -1 : (config.rules ?? []).findIndex((r) => r._id === target.ruleId);
  const at = target.kind === 'fallthrough' ? `${base}/fallthrough` : `${base}/rules/${index}`;
  // A rule's position is checked too: the version test already covers it, this says which rule was meant.
  const which: PatchOperation[] = target.kind === 'rule' ? [{ op: 'test', path: `${at}/_id`, value: target.ruleId }] : [];
  if (rule?.rollout) return [...which, { op: 'replace', path: `${at}/rollout/variations`, value: weights }];
  return [
    ...which,
    ...(rule?.variation !== undefined ? [{ op: 'remove' as const, path: `${at}/variation` }] : []),
    { op: 'add', path: `${at}/rollout`, value: { variations: weights } },
  ];
}

/** The semantic-patch instruction for the same change: what an approval request carries. */
function instructionFor({ read, config, target, percent, turnOff }: Plan): Instruction {
  if (turnOff) return { kind: 'turnFlagOff' };
  const { weights } = rolloutFor(read, config, target, percent);
  const flag = read;
  const rolloutWeights = Object.fromEntries(
    weights.map(({ variation, weight }) => {
      const id = flag.variations[variation]?._id;
      if (!id) throw new LaunchDarklyError(`${flag.key} has no variation ${variation}`);
      return [id, weight];
    }),
  );
  return target.kind === 'fallthrough'
    ? { kind: 'updateFallthroughVariationOrRollout', rolloutWeights }
    : { kind: 'updateRuleVariationOrRollout', ruleId: target.ruleId, rolloutWeights };
}

function rolloutFor(flag: RestFlag, config: EnvironmentConfig, target: RolloutTarget, percent: number) {
  const control = config.offVariation ?? 1;
  const rule = target.kind === 'fallthrough' ? config.fallthrough : config.rules?.find((r) => r._id === target.ruleId);
  const current = rule?.rollout?.variations ?? [{ variation: rule?.variation ?? control, weight: TOTAL_WEIGHT }];
  for (const { variation } of current)
    if (!flag.variations[variation]) throw new LaunchDarklyError(`${flag.key} has no variation ${variation}`);
  return { rule, weights: weightsForPercent(current, control, percent, flag.variations.length) };
}

/** A JSON Pointer reference token (RFC 6901). */
function pointer(token: string): string {
  return token.replaceAll('~', '~0').replaceAll('/', '~1');
}

function environmentOf(flag: RestFlag, environment: string): EnvironmentConfig {
  const config = flag.environments?.[environment];
  if (!config) throw new LaunchDarklyError(`LaunchDarkly's flag ${flag.key} has no environment ${environment}`);
  return config;
}

function refuseUnless(response: Response, expected: number, doing: string): void {
  if (response.status === expected) return;
  if (response.status === 401 || response.status === 403) {
    throw new LaunchDarklyError(
      `LaunchDarkly refused the API token while ${doing} (${response.status}): check the token's secret and its role (it needs writer access to the flag)`,
    );
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
