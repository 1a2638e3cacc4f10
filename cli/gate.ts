/**
 * `stormguard gate`: may this flag take this rollout step now? Asks the gate Lambda (IAM, no
 * public endpoint), or a local state folder for drills. Exit 0 allow, 1 deny, 2 cannot decide;
 * `--wait` asks again until allowed or the timeout.
 */
import { join } from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { FileStateStore, FLAG_FILE } from '../lambdas/adapters/local/state-files.ts';
import type { GuardrailConfig } from '../lambdas/core/config.ts';
import { defaultConfig } from '../lambdas/core/config-schema.ts';
import { InputError } from '../lambdas/core/errors.ts';
import { decideGate, type GateAnswer, type GateRequest } from '../lambdas/core/gate.ts';
import { gateTarget } from '../lambdas/core/gate-target.ts';
import { MAX_NAME_LENGTH, readTime } from '../lambdas/core/input-bounds.ts';
import type { RolloutTarget } from '../lambdas/core/release.ts';
import { controlVariations } from '../lambdas/formats/launchdarkly.ts';
import { loadConfig } from './inputs.ts';
import { invokeLambda } from './invoke.ts';
import { type Io, numberOption, parseOptions, requireCompanions } from './io.ts';

const EXIT = { allow: 0, deny: 1, unknown: 2 } as const;
const MAX_TIMEOUT_SECONDS = 86_400;

export const optionsSchema = z.object({
  flag: z.string().min(1).max(MAX_NAME_LENGTH),
  env: z.string().min(1).max(MAX_NAME_LENGTH),
  rule: z.string().min(1).max(MAX_NAME_LENGTH).optional(),
  to: numberOption('a percentage from 0 to 100, such as 25').pipe(z.number().max(100, 'expected a percentage from 0 to 100')),
  function: z.string().optional(),
  region: z.string().optional(),
  state: z.string().optional(),
  config: z.string().optional(),
  wait: z.boolean().optional(),
  // The defaults are here, not commander's: a defaulted option would look given, and refused without --wait.
  // A pipeline waits a day at most, asking at most every hour and at least every second: larger
  // numbers overflow the timer (Node fires at once beyond 24.8 days) and the gate is asked in a loop.
  timeout: numberOption('seconds, such as 1800')
    .pipe(z.number().positive().max(MAX_TIMEOUT_SECONDS, `at most ${MAX_TIMEOUT_SECONDS} seconds (a day)`))
    .default(1800),
  interval: numberOption('seconds, such as 60')
    .pipe(z.number().min(1, 'at least 1 second').max(3600, 'at most 3600 seconds (an hour)'))
    .default(60),
  json: z.boolean().optional(),
  at: z.string().optional(),
});

export interface GateDependencies {
  readonly lambda: (region: string | undefined) => Pick<LambdaClient, 'send'>;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => number;
}

const realDependencies: GateDependencies = {
  // The SDK is loaded when the gate Lambda is asked, not on every start of the CLI.
  lambda: (region) => {
    let client: Promise<LambdaClient> | undefined;
    const send = async (command: Parameters<LambdaClient['send']>[0]) => {
      client ??= import('@aws-sdk/client-lambda').then(({ LambdaClient }) => new LambdaClient(region ? { region } : {}));
      return (await client).send(command);
    };
    return { send: send as LambdaClient['send'] };
  },
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: Date.now,
};

export function gateCommand(io: Io, setExit: (code: number) => void, dependencies: GateDependencies = realDependencies): Command {
  return new Command('gate')
    .description('may this flag take this rollout step now? exit 0 allow, 1 deny, 2 cannot decide')
    .requiredOption('--flag <key>', 'the flag key')
    .requiredOption('--env <key>', 'the environment key')
    .requiredOption('--to <percent>', 'the rollout percentage the step goes to')
    .option(
      '--rule <id>',
      'the rule the step is behind (`fallthrough`: the default rule); needed where the flag has several guarded targets',
    )
    .addOption(new Option('--function <name>', 'the gate Lambda (name or ARN)').conflicts('state'))
    .option('--region <region>', 'the gate Lambda’s region (default: the SDK’s)')
    .option('--state <folder>', 'decide from a local state folder instead (drills, replays)')
    .option('--config <file>', 'with --state: the configuration (default: embedded defaults)')
    .option('--wait', 'ask again until allowed, or until --timeout')
    .option('--timeout <seconds>', 'with --wait: give up after this long (default: 1800)')
    .option('--interval <seconds>', 'with --wait: ask this often (default: 60)')
    .option('--at <time>', 'with --state: decide as of this ISO time, at or after the state’s last evaluation (the default)')
    .option('--json', 'print the answer as JSON')
    .action(async (raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      if (!options.function && !options.state)
        throw new InputError({ field: '--function' }, 'name the gate Lambda (--function), or a local state folder (--state)');
      requireCompanions(raw, { config: ['state'], at: ['state'], region: ['function'], timeout: ['wait'], interval: ['wait'] });
      const request: GateRequest = {
        flag: options.flag,
        environment: options.env,
        targetPercent: options.to,
        ...(options.rule ? { ruleId: options.rule } : {}),
      };
      const reading = options.at === undefined ? undefined : readTime(options.at, 'none');
      if (reading && 'problem' in reading) throw new InputError({ field: '--at' }, reading.problem);
      const at = reading?.time;
      const ask = options.function
        ? askLambda(dependencies.lambda(options.region), options.function, request)
        : askLocal(options.state!, options.config, request, at);
      const deadline = dependencies.now() + options.timeout * 1000;
      let answer = await ask();
      while (options.wait && answer.verdict === 'deny' && dependencies.now() + options.interval * 1000 <= deadline) {
        io.err(`gate: deny (${answer.reasons.join('; ')}); asking again in ${options.interval} s\n`);
        await dependencies.sleep(options.interval * 1000);
        answer = await ask();
      }
      io.out(
        options.json
          ? `${JSON.stringify(answer, null, 2)}\n`
          : `${answer.verdict}: ${options.flag}${options.rule ? ` (${answer.evidence.target ?? `rule ${options.rule}`})` : ''} in ${options.env} → ${options.to}%\n${answer.reasons.map((r) => `  ${r}\n`).join('')}`,
      );
      setExit(EXIT[answer.verdict]);
    });
}

function askLambda(client: Pick<LambdaClient, 'send'>, functionName: string, request: GateRequest): () => Promise<GateAnswer> {
  const unknown = (reason: string): GateAnswer => ({ verdict: 'unknown', reasons: [reason], evidence: {} });
  return async () => {
    try {
      const reply = await invokeLambda(client, functionName, request, answerSchema, { what: 'gate', answerName: 'a gate answer' });
      return 'answer' in reply ? (reply.answer as GateAnswer) : unknown(reply.problem);
    } catch (error) {
      return unknown(`could not ask the gate Lambda ${functionName}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
}

/** The gate Lambda's answer, as far as it is one: anything else is unknown, never an allow. */
const answerSchema = z.object({
  verdict: z.enum(['allow', 'deny', 'unknown']),
  reasons: z.array(z.string()),
  evidence: z.record(z.string(), z.unknown()).default({}),
});

function askLocal(folder: string, configPath: string | undefined, request: GateRequest, at: number | undefined): () => Promise<GateAnswer> {
  return async () => {
    const config = configPath ? await loadConfig(configPath) : defaultConfig();
    const store = await FileStateStore.existing(folder);
    // A state that is not one is an answer, "cannot decide", as the gate Lambda gives it (--json prints it).
    let state: Awaited<ReturnType<typeof store.load>>;
    try {
      state = await store.load();
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return { verdict: 'unknown', reasons: [`the guardrail's state cannot be read: ${error.message}`], evidence: {} };
    }
    // The state is its last evaluation, not a history: an earlier --at would be judged by what came after it.
    const evaluatedAt = state?.evaluatedAt ?? null;
    if (at !== undefined && evaluatedAt !== null && at < evaluatedAt)
      throw new InputError(
        { field: '--at' },
        `${iso(at)} is before the state's last evaluation, ${iso(evaluatedAt)}: a state folder answers as of then or later, never earlier`,
      );
    // An ambiguous --rule (several guarded targets, none named) is the caller's mistake: a usage error, not an answer.
    const chosen = state && gateTarget(state, [], request);
    if (chosen && 'problem' in chosen) throw new InputError({ field: '--rule' }, chosen.problem.replace(/^--rule: /, ''));
    // The replay's flag file (its LaunchDarkly, of the guarded environment) says what the flag
    // serves, the timeline's later steps included; decideGate weighs it against the state's own change.
    const served = chosen ? await flagFileServes(folder, config, request.flag, chosen.target) : undefined;
    // A local state is a replay's or a drill's: judged as of its own last evaluation. It has no
    // timeline of its own: the bake time is judged by the gate Lambda.
    return decideGate(state, [], config, request, at ?? evaluatedAt ?? 0, { served });
  };
}

/** What a state folder's flag file serves a target; the LaunchDarkly SDK behind it loads only here, as for a replay. */
async function flagFileServes(folder: string, config: GuardrailConfig, flag: string, target: RolloutTarget): Promise<number | undefined> {
  const { FlagFileController } = await import('../lambdas/adapters/local/flag-file.ts');
  return new FlagFileController(join(folder, FLAG_FILE), controlVariations(config)).servedPercent(flag, target);
}

const iso = (time: number) => new Date(time).toISOString();
