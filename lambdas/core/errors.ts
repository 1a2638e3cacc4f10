/**
 * Errors with a stable code, so callers branch on the code and users read the message.
 *
 * `InputError` is a user's mistake (a file, line or field that is not what was expected): the CLI
 * prints its message and exits non-zero without a stack trace. Anything else is a bug.
 */
export class StormguardError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StormguardError';
    this.code = code;
  }
}

/** Where bad input was found: a file, and within it a line (1-based) or a field path. */
export interface InputLocation {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly field?: string;
}

/** Another run saved the state first: this run's evaluation is not the latest and must not be saved. */
export class StateConflictError extends StormguardError {
  constructor(message = 'the state was saved by another run since it was loaded') {
    super('STATE_CONFLICT', message);
    this.name = 'StateConflictError';
  }
}

/**
 * An outside service did not answer, or answered that it cannot now (5xx, a rate limit, a
 * throttle), after its retries: nothing is known to have changed, and a later run may succeed.
 * What it was for is kept and tried again, never given up as if refused.
 */
export class UnavailableError extends StormguardError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNAVAILABLE', message, options);
    this.name = 'UnavailableError';
  }
}

/** An answer a service may not give again: a rate limit (429), a fault of its own (5xx), or a throttle by name (an AWS error's type). */
export function saysUnavailable(status: number, name = ''): boolean {
  return status === 429 || status >= 500 || /Throttl/i.test(name);
}

/**
 * An outside call gave up because the run's time budget would not allow it (or its wait) to end
 * in time. Nothing is known to have changed: what it was for is left for the next run.
 */
export class DeadlineExceededError extends StormguardError {
  constructor(message: string) {
    super('DEADLINE', message);
    this.name = 'DeadlineExceededError';
  }
}

export class InputError extends StormguardError {
  readonly location: InputLocation;

  constructor(location: InputLocation, message: string, options?: { cause?: unknown }) {
    super('INPUT', `${describeLocation(location)}${message}`, options);
    this.name = 'InputError';
    this.location = location;
  }
}

function describeLocation({ file, line, column, field }: InputLocation): string {
  const where = [file, line === undefined ? undefined : `line ${line}${column ? `, column ${column}` : ''}`].filter(Boolean).join(', ');
  const at = field ? `${where ? `${where}: ` : ''}field \`${field}\`` : where;
  return at ? `${at}: ` : '';
}

/** A schema that can say what is wrong with a value: zod's `safeParse` shape. */
export interface Checker<T> {
  safeParse(value: unknown): { success: true; data: T } | { success: false; error: { issues: ReadonlyArray<Issue> } };
}

interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  /** A record's key that fails its own check: zod says "Invalid key in record", these say why. */
  readonly issues?: ReadonlyArray<{ readonly message: string }>;
}

/** A field path as people write it: `items[3].currentVersion.key`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i === 0 ? '' : '.'}${String(part)}`)).join('');
}

/**
 * Validates `value`, or throws an InputError naming the field of the first problem. `location.field`
 * prefixes the path (the document's own position); `prefix` joins it with a separator.
 */
export function parseInput<T>(schema: Checker<T>, value: unknown, location: InputLocation = {}): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const inner = fieldPath(issue.path);
  const field = [location.field, inner].filter(Boolean).join(inner.startsWith('[') ? '' : '.') || '(value)';
  const keyProblem = issue.code === 'invalid_key' ? issue.issues?.[0]?.message : undefined;
  throw new InputError(
    { ...location, field },
    keyProblem ? `key ${JSON.stringify(String(issue.path.at(-1) ?? '')).slice(0, 80)}: ${keyProblem}` : issue.message,
  );
}
