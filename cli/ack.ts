/**
 * `stormguard ack`: acknowledges a frozen flag, so the guardrail lets it step up again. In AWS it
 * asks the acknowledge Lambda (IAM); for a replay or a drill, it edits the local state folder.
 */

import { userInfo } from 'node:os';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { FileStateStore } from '../lambdas/adapters/local/state-files.ts';
import { type AcknowledgeRequest, acknowledge } from '../lambdas/app/acknowledge.ts';
import { InputError, StormguardError } from '../lambdas/core/errors.ts';
import { flagTarget } from '../lambdas/core/release.ts';
import type { AckAnswer } from '../lambdas/handlers/ack.ts';
import { invokeLambda } from './invoke.ts';
import { type Io, parseOptions, requireCompanions } from './io.ts';

export const optionsSchema = z.object({
  // As the acknowledge Lambda takes them (lambdas/handlers/ack.ts).
  flag: z.string().min(1).max(256),
  env: z.string().min(1).max(256),
  reason: z.string().trim().min(1, 'say why the freeze can be lifted (the fix, the ticket)').max(1000),
  by: z.string().min(1).max(256).optional(),
  rule: z.string().min(1).max(256).optional(),
  state: z.string().min(1).optional(),
  function: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
});

export interface AckDependencies {
  readonly lambda: (region: string | undefined) => Pick<LambdaClient, 'send'>;
  readonly now: () => number;
}

const realDependencies: AckDependencies = { lambda: (region) => new LambdaClient(region ? { region } : {}), now: Date.now };

export function ackCommand(io: Io, dependencies: AckDependencies = realDependencies): Command {
  return new Command('ack')
    .description('acknowledge a frozen flag: the guardrail stops reverting its step-ups')
    .requiredOption('--flag <key>', 'the flag key')
    .requiredOption('--env <key>', 'the environment key')
    .requiredOption('--reason <text>', 'why the freeze can be lifted: kept with the acknowledgement')
    .option('--by <name>', 'who acknowledges (default: this machine’s user)')
    .option('--rule <id>', 'lift only this rule’s freeze (`fallthrough`: the default rule’s); default: every frozen target of the flag')
    .addOption(
      new Option('--function <name>', 'in AWS: the acknowledge Lambda (name or ARN; the stack’s AckFunction output)').conflicts('state'),
    )
    .option('--region <region>', 'with --function: its region (default: the SDK’s)')
    .option('--state <folder>', "a local state folder (a replay's or a drill's)")
    .action(async (raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      if (!options.function && !options.state)
        throw new InputError({ field: '--function' }, 'name the acknowledge Lambda (--function), or a local state folder (--state)');
      requireCompanions(raw, { region: ['function'] });
      const request: AcknowledgeRequest = {
        flag: options.flag,
        environment: options.env,
        by: options.by ?? userInfo().username,
        reason: options.reason,
        ...(options.rule ? { ruleId: options.rule } : {}),
      };
      const { acknowledgements, failures = [] } = options.function
        ? await askLambda(dependencies.lambda(options.region), options.function, request)
        : { acknowledgements: await acknowledge(await FileStateStore.existing(options.state!), request, dependencies.now()) };
      for (const done of acknowledgements)
        io.out(
          `${done.target ? flagTarget(done.flag, done.target) : done.flag} in ${done.environment}: freeze at ${done.percent}% (decision ${done.decisionId}) acknowledged by ${done.by}: ${done.reason}\n`,
        );
      if (failures.length > 0)
        throw new StormguardError('ACK_FAILED', `some shards could not lift their freeze (ask again): ${failures.join('; ')}`);
    });
}

async function askLambda(
  client: Pick<LambdaClient, 'send'>,
  functionName: string,
  request: AcknowledgeRequest,
): Promise<Extract<AckAnswer, { acknowledged: true }>> {
  const reply = await invokeLambda(client, functionName, request, answerSchema, { what: 'acknowledge', answerName: 'an acknowledgement' });
  if ('problem' in reply) throw new StormguardError('ACK_FAILED', reply.problem);
  const answer = reply.answer as AckAnswer;
  if (!answer.acknowledged) throw new StormguardError('NOT_FROZEN', answer.reason);
  return answer;
}

const acknowledgementSchema = z.object({
  flag: z.string(),
  environment: z.string(),
  by: z.string(),
  reason: z.string(),
  time: z.number(),
  decisionId: z.string(),
  percent: z.number(),
  target: z.optional(
    z.union([
      z.object({ kind: z.literal('fallthrough') }),
      z.object({ kind: z.literal('rule'), ruleId: z.string(), label: z.optional(z.string()) }),
    ]),
  ),
});

/** The acknowledge Lambda's answer, as far as it is one: anything else is a failure, never "lifted". */
const answerSchema = z.union([
  z.object({ acknowledged: z.literal(true), acknowledgements: z.array(acknowledgementSchema), failures: z.optional(z.array(z.string())) }),
  z.object({ acknowledged: z.literal(false), reason: z.string() }),
]);
