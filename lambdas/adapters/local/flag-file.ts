/**
 * The local FlagController: flags in a LaunchDarkly file-data-source JSON file (`{ "flags": … }`,
 * the SDK's own flag format), made from the flags as the audit log records them (sdk-flags.ts),
 * changed in place and evaluated by the LaunchDarkly Node server SDK's file data source. A rollback
 * is shown as what it does: the share of contexts reaching the target (the rule's, or the default
 * rule's) that get the treatment before and after, as the SDK evaluates them.
 */
import type { Outcome } from '../../core/decision.ts';
import { parseInput, StormguardError } from '../../core/errors.ts';
import { formatPercent } from '../../core/format.ts';
import { type RolloutStep, type RolloutTarget, targetLabel, targetName } from '../../core/release.ts';
import { configuredControl, controlOf, type FlagChange, rulePercent } from '../../formats/launchdarkly.ts';
import { TOTAL_WEIGHT, type WeightedVariation, weightsForPercent } from '../../formats/rollout-weights.ts';
import type { FlagController } from '../../ports.ts';
import { readJson, readJsonIfExists, writeAtomically } from './files.ts';
import { measureShare, type Share } from './sample-contexts.ts';
import { type DisabledRule, enableRule, flagFileSchema, flagsAsOf, ownFlag, ruleIn, type SdkFlag, type SdkRule } from './sdk-flags.ts';

interface FlagFile {
  flags: Record<string, SdkFlag>;
  segments?: Record<string, unknown>;
}

export class FlagFileController implements FlagController {
  /**
   * `controls`: a control variation per flag key, where exposure is not measured against the off
   * variation. `environment`: the one the file was made for, to say why a flag is not in it.
   */
  constructor(
    readonly path: string,
    private readonly controls: Readonly<Record<string, number>> = {},
    private readonly environment?: string,
  ) {}

  /** A flag file with every recorded flag of the environment as it stood at `start`. */
  static async create(
    path: string,
    changes: readonly FlagChange[],
    at: { readonly environment: string; readonly start: number },
    controls: Readonly<Record<string, number>> = {},
  ): Promise<FlagFileController> {
    const flags = flagsAsOf(changes, at.environment, at.start);
    await writeAtomically(path, JSON.stringify({ flags, segments: {} }, null, 2));
    return new FlagFileController(path, controls, at.environment);
  }

  async setRollout(request: Parameters<FlagController['setRollout']>[0]): Promise<Omit<Outcome, 'time'>> {
    const file = await this.read();
    const flag = this.flagIn(file, request.flag);
    const rule = ruleOf(flag, request.target);
    const control = this.controlOf(flag);
    const before = rulePercent(flag.on, rule, control) ?? 0;
    if (request.turnOff ? !flag.on : before <= request.percent) {
      return {
        status: 'unchanged',
        detail: `${request.flag} already serves ${formatPercent(before)}, at or below ${formatPercent(request.percent)}`,
      };
    }
    const shareBefore = await this.measure(flag, request.target);
    if (request.turnOff) flag.on = false;
    else setWeights(flag, rule, control, request.percent);
    await this.write(file, flag);
    const shareAfter = await this.measure(flag, request.target);
    const which = request.target.kind === 'rule' ? ` reaching ${targetLabel(request.target)}` : '';
    return {
      status: 'applied',
      detail: `LaunchDarkly SDK (file data source ${this.path}): ${formatShare(shareBefore.share)} of ${shareBefore.matched} contexts${which} got the new variation before, ${formatShare(shareAfter.share)} after`,
    };
  }

  /**
   * Changes a flag's target as a release did (the replay's stand-in for LaunchDarkly), several
   * treatments kept in proportion. A step up of a disabled rule was its enabling: a disabled one serves 0%.
   */
  async applyStep(step: RolloutStep): Promise<void> {
    const file = await this.read();
    const flag = this.flagIn(file, step.flag);
    const rule = ruleOf(flag, step.target);
    const enabled = 'disabled' in rule && step.toPercent > 0 ? enableRule(flag, rule) : rule;
    setWeights(flag, enabled, this.controlOf(flag), step.toPercent);
    await this.write(file, flag);
  }

  /** The share of sample contexts reaching the target that the SDK serves something other than the control variation. */
  async measureShare(flagKey: string, target: RolloutTarget = { kind: 'fallthrough' }): Promise<Share> {
    return this.measure(this.flagIn(await this.read(), flagKey), target);
  }

  /**
   * The percentage the file serves a target, as the timeline's steps measure one (rulePercent):
   * for the gate asked of a state folder, which keeps no timeline. Undefined where there is no
   * file (a drill's folder, or one from before flag files), no such flag or no such rule.
   */
  async servedPercent(flagKey: string, target: RolloutTarget): Promise<number | undefined> {
    const read = await readJsonIfExists(this.path);
    const flag = read === undefined ? undefined : ownFlag(this.checked(read).flags, flagKey);
    return flag && rulePercent(flag.on, targetRule(flag, target), this.controlOf(flag));
  }

  private measure(flag: SdkFlag, target: RolloutTarget): Promise<Share> {
    return measureShare(this.path, flag, target, this.controlOf(flag));
  }

  private controlOf(flag: SdkFlag): number {
    return controlOf(flag, configuredControl(this.controls, flag.key));
  }

  private flagIn(file: FlagFile, key: string): SdkFlag {
    const flag = ownFlag(file.flags, key);
    if (flag) return flag;
    const why =
      this.environment === undefined
        ? 'no audit-log entry records it'
        : `no audit-log entry records how it stood in environment ${this.environment} when the replay starts (a change before then, or a later one's previousVersion, holding ${this.environment})`;
    throw new StormguardError('FLAG_NOT_FOUND', `flag ${key} is not in ${this.path}: ${why}`);
  }

  private async read(): Promise<FlagFile> {
    return this.checked(await readJson(this.path));
  }

  private checked(read: unknown): FlagFile {
    parseInput(flagFileSchema, read, { file: this.path });
    return read as FlagFile;
  }

  private async write(file: FlagFile, flag: SdkFlag): Promise<void> {
    flag.version++;
    await writeAtomically(this.path, JSON.stringify(file, null, 2));
  }
}

function ruleOf(flag: SdkFlag, target: RolloutTarget): SdkRule | DisabledRule {
  const rule = targetRule(flag, target);
  if (!rule) throw new StormguardError('RULE_NOT_FOUND', `flag ${flag.key} has no ${targetName(target)}`);
  return rule;
}

/** A target's rule (the fallthrough for the default rule), enabled or disabled. */
function targetRule(flag: SdkFlag, target: RolloutTarget): SdkRule | DisabledRule | undefined {
  return target.kind === 'fallthrough' ? flag.fallthrough : ruleIn(flag, target.ruleId);
}

/** The target's weights, a fixed variation as all the weight on it. */
function rolloutOf(rule: SdkRule, control: number): WeightedVariation[] {
  if (rule.rollout) return rule.rollout.variations;
  const served = rule.variation ?? control;
  return [{ variation: served, weight: TOTAL_WEIGHT }, ...(served === control ? [] : [{ variation: control, weight: 0 }])];
}

function setWeights(flag: SdkFlag, rule: SdkRule, control: number, percent: number): void {
  const variations = weightsForPercent(rolloutOf(rule, control), control, percent, flag.variations.length);
  rule.rollout = { ...rule.rollout, variations };
  delete rule.variation;
}

function formatShare(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}
