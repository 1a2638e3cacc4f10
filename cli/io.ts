import { z } from 'zod';
import { type Checker, InputError } from '../lambdas/core/errors.ts';
import { readDecimal } from '../lambdas/core/input-bounds.ts';

/** Where a command writes: the terminal, or a test's buffers. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal: progress bars only there. */
  readonly interactive: boolean;
}

export const terminalIo: Io = {
  out: (text) => void watched(process.stdout).write(text),
  err: (text) => void watched(process.stderr).write(text),
  interactive: Boolean(process.stderr.isTTY),
};

/** The terminal's streams, given their error handler when first written to (not on import: tests write to buffers). */
const watching = new WeakSet<NodeJS.WriteStream>();
function watched(stream: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!watching.has(stream)) {
    watching.add(stream);
    stream.on('error', (error) => endOnWriteError(error, stream === process.stdout));
  }
  return stream;
}

/**
 * A reader that stopped reading (`stormguard detect … | head`) closes the pipe: the command ends
 * quietly, not with Node's unhandled 'error' and its stack, and with 141 (128 + SIGPIPE), the
 * status of a Unix tool the pipe killed: never 0, which from `gate` means "allow". Any other
 * failure to write (`> /dev/full`) is one line and exit 1; one of stderr's own cannot be said.
 */
const CLOSED_PIPE_EXIT = 141;

function endOnWriteError(error: NodeJS.ErrnoException, isStdout: boolean): never {
  if (error.code === 'EPIPE') process.exit(CLOSED_PIPE_EXIT);
  if (isStdout) process.stderr.write(`stormguard: cannot write to standard output: ${error.message}\n`);
  process.exit(1);
}

/** Checks a command's options; a wrong value is an input error naming the option as typed (`--closed-loop`). */
export function parseOptions<T>(schema: Checker<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw new InputError({ field: asTyped(String(issue.path[0] ?? '')) }, issue.message);
}

/** An option's key as the user types it: `closedLoop` is `--closed-loop`. */
const asTyped = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Refuses an option given without one it works with (`--from` without `--prometheus`): ignored, it
 * would leave the user believing it applied. A usage error naming both, before any work. `raw` is
 * what the command line gave (no defaults); `companions` maps an option to those it works with.
 */
export function requireCompanions(raw: unknown, companions: Readonly<Record<string, readonly string[]>>): void {
  const given = raw as Record<string, unknown>;
  for (const [option, needs] of Object.entries(companions)) {
    if (given[option] !== undefined && !needs.some((need) => given[need] !== undefined))
      throw new InputError({ field: asTyped(option) }, `goes with ${needs.map(asTyped).join(' or ')}`);
  }
}

/** A non-negative number typed on the command line, read as every user number is: an empty or non-numeric value is an error, never 0. */
export function numberOption(what: string) {
  return z.string().transform((text, context) => {
    const value = readDecimal(text.trim());
    if (value !== undefined && value >= 0) return value;
    context.addIssue({ code: 'custom', message: `expected ${what}` });
    return z.NEVER;
  });
}
