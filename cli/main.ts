/**
 * `stormguard`: the guardrail from the command line, over exported data, on embedded defaults.
 *
 * Commands only parse, call the core through adapters, and print. This file is the one place that
 * prints errors and decides exit codes: 0 success; 1 the command ran and failed (or, for a gate,
 * denied); 2 bad usage or input, explained without a stack trace.
 */

import { Command, CommanderError } from 'commander';
import { InputError, StormguardError } from '../lambdas/core/errors.ts';
import { type AckDependencies, ackCommand } from './ack.ts';
import { detectCommand } from './detect.ts';
import { type GateDependencies, gateCommand } from './gate.ts';
import { type Io, terminalIo } from './io.ts';
import { packageVersion } from './paths.ts';
import { replayCommand } from './replay.ts';
import { simulateCommand } from './simulate.ts';

/** What commands reach outside through, replaceable in tests. */
export interface Dependencies {
  readonly ack?: AckDependencies;
  readonly gate?: GateDependencies;
}

export async function main(argv: readonly string[], io: Io = terminalIo, dependencies: Dependencies = {}): Promise<number> {
  const program = new Command('stormguard')
    .description('Producer-storm guardrail for Kafka: detect, attribute to the release, roll the flag back.')
    .version(packageVersion, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)');
  let exitCode = 0;
  const setExit = (code: number) => {
    exitCode = code;
  };
  for (const command of [
    replayCommand(io, setExit),
    simulateCommand(io),
    detectCommand(io),
    ackCommand(io, dependencies.ack),
    gateCommand(io, setExit, dependencies.gate),
  ]) {
    // Added commands do not inherit these settings: without them a usage error exits the process.
    program.addCommand(
      command.exitOverride().configureOutput({ writeOut: io.out, writeErr: io.err }).showHelpAfterError('(run with --help for usage)'),
    );
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    return report(error, io);
  }
}

/** An error of the operating system (ENOSPC, EIO, EMFILE…), as Node raises it: a code and the call that failed. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  const { code, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  return error instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string';
}

function report(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message; help and version are not failures.
    return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.help' ? 0 : 2;
  }
  if (error instanceof InputError) {
    io.err(`stormguard: ${error.message}\n`);
    return 2;
  }
  if (error instanceof StormguardError) {
    io.err(`stormguard: ${error.message}\n`);
    return 1;
  }
  if (isSystemError(error)) {
    // The machine's, not the user's input nor a bug: a full disk, a file another process holds.
    io.err(`stormguard: ${error.message}${error.path && !error.message.includes(error.path) ? ` (${error.path})` : ''}\n`);
    return 1;
  }
  io.err(`stormguard: internal error (please report it): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 1;
}
