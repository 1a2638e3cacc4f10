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
 * - 429s or 5xx past the bounded retries: UnavailableError, nothing known changed (the next runs try again);
 * - 405 (the environment requires approval): an approval request (semantic patch instructions)
 *   where configured, else a failure; either way the decision's alert pages a human;
 * - 400 (a conflict with a pending change): again with `ignoreConflicts=true` where configured, else a failure;
 * - 401/403: a failure that says the token was refused, with the status.
 */

import type { Outcome } from '../../core/decision.ts';
import { DeadlineExceededError, UnavailableError } from '../../core/errors.ts';
import { formatPercent } from '../../core/format.ts';
import { targetLabel } from '../../core/release.ts';
import { configuredControl, type EnvironmentConfig, servedPercent } from '../../formats/launchdarkly.ts';
import type { FlagController } from '../../ports.ts';
import { RetriesExhaustedError, type RetryOptions, retryingFetch } from '../http/retrying-fetch.ts';
import { LaunchDarklyError, reason, refuseUnless } from './errors.ts';
import { type Instruction, instructionFor, operationsFor, type PatchOperation, type Plan, type RestFlag } from './flag-patch.ts';

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
  /** Per flag key, the variation exposure is measured against where not the off variation. @default {} */
  readonly controls?: Readonly<Record<string, number>>;
}

/**
 * The flag's version as a JSON Patch precondition, in the form LaunchDarkly's API documents
 * ("Updates using JSON patch": `{ "op": "test", "path": "/version", "value": 10 }`).
 */
const VERSION_PATH = '/version';
/** Reads and tries again after the flag changed under a change, before giving up. */
const MAX_CHANGE_ATTEMPTS = 3;

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
    const control = configuredControl(this.options.controls ?? {}, flag);
    for (let attempt = 1; ; attempt++) {
      const read = await this.readFlag(flag, environment);
      const config = environmentOf(read, environment);
      const current = servedPercent(config, target, control);
      if (current === undefined) throw new LaunchDarklyError(`${flag} in ${environment} has no ${targetLabel(target)} to roll back`);
      if (turnOff ? !config.on : current <= percent) {
        const why = changedUnder ? '; someone changed it while Stormguard was changing it, and it was left as they set it' : '';
        return {
          status: 'unchanged',
          detail: `LaunchDarkly: ${flag} in ${environment} already serves ${formatPercent(current)}${turnOff ? ' (off)' : ''}${why}`,
        };
      }
      if (read._version === undefined)
        throw new LaunchDarklyError(`LaunchDarkly's flag ${flag} has no _version: it cannot be changed safely`);
      const plan: Plan = {
        flag,
        environment,
        read,
        config,
        target,
        percent,
        turnOff,
        comment,
        ...(control === undefined ? {} : { control }),
      };
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
      return this.verify(plan, current, changedUnder);
    }
  }

  /** Reads the flag back: the change applied is the change wanted, or it failed. */
  private async verify(plan: Plan, before: number, changedUnder: string | undefined): Promise<Omit<Outcome, 'time'>> {
    const { flag, environment, target, percent, turnOff } = plan;
    const after = servedPercent(environmentOf(await this.readFlag(flag, environment), environment), target, plan.control);
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
        `LaunchDarkly: ${flag} in ${environment} (${targetLabel(target)}) ${formatPercent(before)} → ${turnOff ? 'off' : formatPercent(percent)}, ` +
        `verified by reading the flag back${changedUnder ? ' (read again after someone changed it under the first attempt)' : ''}`,
    };
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
    if (response.status === 405)
      return this.approvalRequired(flag, environment, [instructionFor(plan)], comment, approvalDescription(plan));
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
    description: string,
  ): Promise<Omit<Outcome, 'time'>> {
    if (this.options.onApprovalRequired !== 'request-approval') {
      return {
        status: 'failed',
        detail: `${environment} requires approval for changes to ${flag} (405): nothing was changed; roll it back by hand`,
      };
    }
    const path = `/api/v2/projects/${enc(this.options.projectKey)}/flags/${enc(flag)}/environments/${enc(environment)}/approval-requests`;
    const response = await this.send('POST', path, { description, comment, instructions });
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
      // Throttled or down, not a refusal: the change is tried again by the next runs (effects.ts).
      if (error instanceof RetriesExhaustedError)
        throw new UnavailableError(`LaunchDarkly did not answer after ${error.attempts} attempts (${error.lastProblem})`, { cause: error });
      throw error;
    }
  }

  /** Why LaunchDarkly refused, from its error body; never the token, should it be quoted. */
  private async reason(response: Response): Promise<string> {
    const text = await reason(response);
    return this.tokenRead ? text.split(this.tokenRead).join('<token>') : text;
  }
}

function environmentOf(flag: RestFlag, environment: string): EnvironmentConfig {
  const config = flag.environments?.[environment];
  if (!config) throw new LaunchDarklyError(`LaunchDarkly's flag ${flag.key} has no environment ${environment}`);
  return config;
}

function enc(part: string): string {
  return encodeURIComponent(part);
}

/**
 * What an approver reads: the rollback's absolute target, and the flag as read when it was asked.
 * An approval applies its weights whenever it is given, with no version test: had someone lowered
 * the flag since, approving would raise it, and the approver is told to reject it then.
 */
function approvalDescription(plan: Plan): string {
  const to = plan.turnOff ? 'off' : formatPercent(plan.percent);
  const served = servedPercent(plan.config, plan.target, plan.control);
  const was = served === undefined ? '' : ` (it served ${formatPercent(served)} at version ${plan.read._version})`;
  return `Stormguard rollback of ${plan.flag} ${targetLabel(plan.target)} to ${to}${was}. If it serves less now, reject this request: approving it would raise it back to ${to}.`;
}
