/**
 * The local FlagController: flags in a LaunchDarkly file-data-source JSON file (`{ "flags": … }`,
 * the SDK's own flag format), changed in place and evaluated by the LaunchDarkly Node server SDK's
 * file data source. A rollback is shown as what it does: the share of contexts that get the
 * treatment before and after, as the SDK evaluates them.
 */
import { init, integrations, type LDLogger } from '@launchdarkly/node-server-sdk';
import type { Outcome } from '../../core/decision.ts';
import { StormguardError } from '../../core/errors.ts';
import { formatPercent } from '../../core/format.ts';
import type { RolloutStep, RolloutTarget } from '../../core/release.ts';
import { TOTAL_WEIGHT, weightsForPercent } from '../../formats/rollout-weights.ts';
import type { FlagController } from '../../ports.ts';
import { readJson, writeAtomically } from './files.ts';

interface WeightedVariation {
  variation: number;
  weight: number;
}

interface SdkRule {
  id?: string;
  variation?: number;
  rollout?: { variations: WeightedVariation[] };
}

/** A flag in the SDK's data format (what the file data source reads). */
export interface SdkFlag {
  key: string;
  version: number;
  on: boolean;
  salt: string;
  variations: unknown[];
  offVariation: number;
  fallthrough: SdkRule;
  rules: SdkRule[];
  targets: unknown[];
  contextTargets: unknown[];
  prerequisites: unknown[];
}

interface FlagFile {
  flags: Record<string, SdkFlag>;
  segments?: Record<string, unknown>;
}

/** Contexts evaluated to measure the share served the treatment. */
const SAMPLE_CONTEXTS = 10_000;
const quietLogger: LDLogger = { error() {}, warn() {}, info() {}, debug() {} };

export class FlagFileController implements FlagController {
  constructor(readonly path: string) {}

  /** A flag file with each rolled-out flag as a boolean flag at the percentage before its first step. */
  static async create(path: string, steps: readonly RolloutStep[]): Promise<FlagFileController> {
    const flags: Record<string, SdkFlag> = {};
    for (const step of steps) if (!ownFlag(flags, step.flag)) setFlag(flags, step.flag, booleanFlag(step.flag, step.fromPercent));
    await writeAtomically(path, JSON.stringify({ flags, segments: {} }, null, 2));
    return new FlagFileController(path);
  }

  async setRollout(request: Parameters<FlagController['setRollout']>[0]): Promise<Omit<Outcome, 'time'>> {
    const file = (await readJson(this.path)) as FlagFile;
    const flag = ownFlag(file.flags, request.flag);
    if (!flag) throw new StormguardError('FLAG_NOT_FOUND', `flag ${request.flag} is not in ${this.path}`);
    const rule = ruleOf(flag, request.target);
    const before = servedPercent(flag, rule);
    if (!request.turnOff && before <= request.percent) {
      return {
        status: 'unchanged',
        detail: `${request.flag} already serves ${formatPercent(before)}, at or below ${formatPercent(request.percent)}`,
      };
    }
    const shareBefore = await this.measureShare(request.flag);
    if (request.turnOff) flag.on = false;
    else
      rule.rollout = {
        variations: weightsForPercent(rolloutOf(rule, flag.offVariation), flag.offVariation, request.percent, flag.variations.length),
      };
    flag.version++;
    await writeAtomically(this.path, JSON.stringify(file, null, 2));
    const shareAfter = await this.measureShare(request.flag);
    return {
      status: 'applied',
      detail: `LaunchDarkly SDK (file data source ${this.path}): ${formatShare(shareBefore)} of ${SAMPLE_CONTEXTS} contexts got the new variation before, ${formatShare(shareAfter)} after`,
    };
  }

  /** Changes a flag as a release did (the replay's stand-in for LaunchDarkly). */
  async applyStep(step: RolloutStep): Promise<void> {
    const file = (await readJson(this.path)) as FlagFile;
    const flag = ownFlag(file.flags, step.flag) ?? setFlag(file.flags, step.flag, booleanFlag(step.flag, step.fromPercent));
    const rule = ruleOf(flag, step.target);
    rule.rollout = {
      variations: weightsForPercent(rolloutOf(rule, flag.offVariation), flag.offVariation, step.toPercent, flag.variations.length),
    };
    flag.version++;
    await writeAtomically(this.path, JSON.stringify(file, null, 2));
  }

  /** The share of sample contexts the SDK serves something other than the off variation. */
  async measureShare(flagKey: string): Promise<number> {
    const file = (await readJson(this.path)) as FlagFile;
    const flag = ownFlag(file.flags, flagKey);
    const offValue = JSON.stringify(flag?.variations[flag.offVariation]);
    const source = new integrations.FileDataSourceFactory({ paths: [this.path], autoUpdate: false });
    const client = init('stormguard-local', {
      updateProcessor: source.getFactory(),
      sendEvents: false,
      diagnosticOptOut: true,
      logger: quietLogger,
    });
    try {
      await client.waitForInitialization({ timeout: 10 });
      let treated = 0;
      for (let i = 0; i < SAMPLE_CONTEXTS; i++) {
        const value = await client.variation(flagKey, { kind: 'user', key: `context-${i}` }, null);
        if (JSON.stringify(value) !== offValue) treated++;
      }
      return treated / SAMPLE_CONTEXTS;
    } finally {
      client.close();
    }
  }
}

function booleanFlag(key: string, percent: number): SdkFlag {
  const treatment = Math.round(percent * 1000);
  return {
    key,
    version: 1,
    on: true,
    salt: `${key}-salt`,
    variations: [true, false],
    offVariation: 1,
    fallthrough: {
      rollout: {
        variations: [
          { variation: 0, weight: treatment },
          { variation: 1, weight: TOTAL_WEIGHT - treatment },
        ],
      },
    },
    rules: [],
    targets: [],
    contextTargets: [],
    prerequisites: [],
  };
}

function ruleOf(flag: SdkFlag, target: RolloutTarget): SdkRule {
  if (target.kind === 'fallthrough') return flag.fallthrough;
  const rule = flag.rules.find((r) => r.id === target.ruleId);
  if (!rule) throw new StormguardError('RULE_NOT_FOUND', `flag ${flag.key} has no rule ${target.ruleId}`);
  return rule;
}

function rolloutOf(rule: SdkRule, control: number): WeightedVariation[] {
  if (rule.rollout) return rule.rollout.variations;
  const served = rule.variation ?? control;
  return [{ variation: served, weight: TOTAL_WEIGHT }, ...(served === control ? [] : [{ variation: control, weight: 0 }])];
}

function servedPercent(flag: SdkFlag, rule: SdkRule): number {
  if (!flag.on) return 0;
  return (
    rolloutOf(rule, flag.offVariation)
      .filter((v) => v.variation !== flag.offVariation)
      .reduce((sum, v) => sum + v.weight, 0) / 1000
  );
}

function formatShare(share: number): string {
  return `${(share * 100).toFixed(2)}%`;
}

/** A flag by key: its own, never Object.prototype's (a flag named `constructor` is a flag). */
function ownFlag(flags: Record<string, SdkFlag>, key: string): SdkFlag | undefined {
  return Object.hasOwn(flags, key) ? flags[key] : undefined;
}

/** Adds a flag as an own property, whatever its key. */
function setFlag(flags: Record<string, SdkFlag>, key: string, flag: SdkFlag): SdkFlag {
  Object.defineProperty(flags, key, { value: flag, enumerable: true, writable: true, configurable: true });
  return flag;
}
