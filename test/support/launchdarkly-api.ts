/**
 * The fake LaunchDarkly's answers, from its state, as LaunchDarkly documents them: the audit log
 * (listed newest first, two at a time, to exercise paging; an entry whole), a flag (GET), a JSON
 * Patch applied whole or not at all (one whose `test` operation fails, the flag having changed
 * since it was read, is refused with 409 `optimistic_locking_error`), a semantic patch, and
 * approval requests. Every change advances the flag's `_version`.
 */
import type { RestFlag } from './launchdarkly-flags.ts';

/** An audit-log entry, whole (with previousVersion and currentVersion). */
export interface AuditEntry {
  readonly _id: string;
  readonly date: number;
  readonly kind: string;
}

type Answer = { status: number; body: unknown };
const NOT_FOUND: Answer = { status: 404, body: { code: 'not_found', message: 'Unknown resource' } };

export function respond(
  flags: Map<string, RestFlag>,
  auditLog: readonly AuditEntry[],
  method: string,
  path: string,
  body: unknown,
): Answer {
  const url = new URL(path, 'http://fake');
  if (method === 'GET' && url.pathname === '/api/v2/auditlog') return auditLogPage(auditLog, url, path);
  const entryMatch = /^\/api\/v2\/auditlog\/([^/]+)$/.exec(url.pathname);
  if (method === 'GET' && entryMatch) {
    const entry = auditLog.find((e) => e._id === decodeURIComponent(entryMatch[1]!));
    return entry ? { status: 200, body: entry } : NOT_FOUND;
  }
  const flagMatch = /^\/api\/v2\/flags\/[^/]+\/([^/]+)$/.exec(url.pathname);
  if (flagMatch) {
    const flag = flags.get(decodeURIComponent(flagMatch[1]!));
    if (!flag) return NOT_FOUND;
    if (method === 'GET') return { status: 200, body: flag };
    if (method === 'PATCH' && Array.isArray((body as { patch?: unknown }).patch))
      return jsonPatched(flags, flag, (body as { patch: JsonPatchOperation[] }).patch);
    if (method === 'PATCH') return semanticPatched(flag, body as SemanticPatch);
  }
  if (method === 'POST' && url.pathname.endsWith('/approval-requests'))
    return { status: 201, body: { _id: 'approval-1', status: 'pending' } };
  return { status: 404, body: { code: 'not_found', message: `no fake for ${method} ${url.pathname}` } };
}

/** The listing, newest first, two at a time to exercise paging; without the flag versions. */
function auditLogPage(auditLog: readonly AuditEntry[], url: URL, path: string): Answer {
  const after = Number(url.searchParams.get('after') ?? 0);
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const matching = auditLog.filter((e) => e.date > after).sort((a, b) => b.date - a.date);
  const items = matching.slice(offset, offset + 2).map(({ _id, date, kind }) => ({
    _id,
    date,
    kind,
    _links: {},
    _accountId: 'a',
    accesses: [],
    name: 'n',
    description: '',
    shortDescription: '',
  }));
  const next =
    offset + 2 < matching.length
      ? { next: { href: `/api/v2/auditlog?after=${after}&limit=20&offset=${offset + 2}`, type: 'application/json' } }
      : {};
  return { status: 200, body: { items, _links: { self: { href: path, type: 'application/json' }, ...next } } };
}

function jsonPatched(flags: Map<string, RestFlag>, flag: RestFlag, operations: JsonPatchOperation[]): Answer {
  const applied = applyJsonPatch(flag, operations);
  if (applied === 'test failed')
    return { status: 409, body: { code: 'optimistic_locking_error', message: 'Conflict. Optimistic lock error. Try again later.' } };
  if (typeof applied === 'string') return { status: 400, body: { code: 'invalid_request', message: applied } };
  applied._version = flag._version + 1;
  flags.set(flag.key, applied);
  return { status: 200, body: applied };
}

export interface SemanticPatch {
  environmentKey: string;
  instructions: Instruction[];
}
type Instruction = { kind: string; ruleId?: string; rolloutWeights?: Record<string, number> };

/** A semantic patch's instructions, applied to the flag in place; rollout weights name variations by their `_id`. */
export function semanticPatched(flag: RestFlag, patch: SemanticPatch): Answer {
  flag._version++;
  const environment = flag.environments[patch.environmentKey]!;
  for (const instruction of patch.instructions) {
    if (instruction.kind === 'turnFlagOff') environment.on = false;
    const target =
      instruction.kind === 'updateFallthroughVariationOrRollout'
        ? environment.fallthrough
        : environment.rules.find((r) => r._id === instruction.ruleId);
    if (target && instruction.rolloutWeights) {
      delete target.variation;
      target.rollout = {
        variations: Object.entries(instruction.rolloutWeights).map(([id, weight]) => ({
          variation: flag.variations.findIndex((v) => v._id === id),
          weight,
        })),
      };
    }
  }
  return { status: 200, body: flag };
}

interface JsonPatchOperation {
  op: string;
  path: string;
  value?: unknown;
}

/**
 * A JSON Patch (RFC 6902: test, add, replace, remove) applied to a copy of the flag: the copy, or
 * why it cannot apply. `/version` reads the flag's `_version`, as LaunchDarkly's documented
 * precondition `{ "op": "test", "path": "/version", "value": N }` does.
 */
function applyJsonPatch(flag: RestFlag, operations: JsonPatchOperation[]): RestFlag | string {
  const copy = structuredClone(flag) as unknown as Record<string, unknown>;
  for (const { op, path, value } of operations) {
    if (op === 'test' && path === '/version') {
      if (value !== flag._version) return 'test failed';
      continue;
    }
    const tokens = path
      .split('/')
      .slice(1)
      .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = tokens.pop()!;
    let parent: unknown = copy;
    for (const token of tokens) {
      parent = (parent as Record<string, unknown> | undefined)?.[token];
      if (parent === undefined || parent === null || typeof parent !== 'object') return `no ${path}`;
    }
    const container = parent as Record<string, unknown>;
    if (op === 'test') {
      if (JSON.stringify(container[last]) !== JSON.stringify(value)) return 'test failed';
    } else if (op === 'replace') {
      if (!(last in container)) return `no ${path} to replace`;
      container[last] = value;
    } else if (op === 'add') {
      container[last] = value;
    } else if (op === 'remove') {
      if (!(last in container)) return `no ${path} to remove`;
      delete container[last];
    } else {
      return `unsupported op ${op}`;
    }
  }
  return copy as unknown as RestFlag;
}
