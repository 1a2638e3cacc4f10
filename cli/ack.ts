/** `stormguard ack`: acknowledges a frozen flag, so the guardrail lets it step up again. */
import { Command } from 'commander';
import { z } from 'zod';
import { StormguardError } from '../lambdas/core/errors.ts';
import { freezeOf, lift } from '../lambdas/core/freeze.ts';
import { FileStateStore } from '../lambdas/adapters/local/state-files.ts';
import { type Io, parseOptions } from './io.ts';

const optionsSchema = z.object({ flag: z.string().min(1), env: z.string().min(1), state: z.string().min(1) });

export function ackCommand(io: Io): Command {
  return new Command('ack')
    .description('acknowledge a frozen flag: the guardrail stops reverting its step-ups')
    .requiredOption('--flag <key>', 'the flag key')
    .requiredOption('--env <key>', 'the environment key')
    .requiredOption('--state <folder>', "the guardrail's state folder")
    .action(async (raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      const store = new FileStateStore(options.state);
      const state = await store.load();
      const freeze = state && freezeOf(state, options.flag, options.env);
      if (!state || !freeze) throw new StormguardError('NOT_FROZEN', `${options.flag} in ${options.env} is not frozen (state: ${options.state})`);
      lift(state, options.flag, options.env);
      await store.save(state);
      io.out(`${options.flag} in ${options.env}: freeze at ${freeze.percent}% (decision ${freeze.decisionId}) acknowledged\n`);
    });
}
