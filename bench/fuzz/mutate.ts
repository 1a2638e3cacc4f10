/**
 * Structured mutations for the fuzz tier: a document (a real export, a config, a request) and a
 * list of edits, each at a path chosen among the document's own, so that most inputs are nearly
 * valid and reach deep into a reader, and some are far off.
 */
import fc from 'fast-check';
import { interestingStrings, interestingValue } from './interesting.ts';

type Path = ReadonlyArray<string | number>;

/** Every path in a document (breadth first, at most `limit`), the root included. */
export function pathsOf(document: unknown, limit = 4000): Path[] {
  const paths: Path[] = [[]];
  const queue: Array<{ value: unknown; path: Path }> = [{ value: document, path: [] }];
  while (queue.length > 0 && paths.length < limit) {
    const { value, path } = queue.shift()!;
    if (typeof value !== 'object' || value === null) continue;
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = [...path, key];
      paths.push(childPath);
      queue.push({ value: child, path: childPath });
    }
  }
  return paths;
}

/** One edit of a document, at the path chosen by `at` (an index into its paths, modulo their count). */
export type Edit =
  | { readonly kind: 'set'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'add'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'duplicate'; readonly at: number }
  | { readonly kind: 'string'; readonly at: number; readonly text: string; readonly where: number }
  | { readonly kind: 'number'; readonly at: number; readonly factor: number };

export const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: interestingValue }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', 'Label', 'variations', 'weight', 'date', 'time', '_id', 'kind'),
      value: interestingValue,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('string' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...interestingStrings), fc.string({ maxLength: 8 })),
      where: fc.nat(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('number' as const),
      at: fc.nat(),
      factor: fc.constantFrom(1000, 0.001, -1, 1.5, 1e100, 0, 60, 86_400_000),
    }),
  },
);

/** `document`, deep-copied, with `edits` applied in turn. */
export function applyEdits(document: unknown, edits: readonly Edit[]): unknown {
  let root: unknown = structuredClone(document);
  for (const e of edits) {
    const paths = pathsOf(root);
    const path = paths[e.at % paths.length]!;
    const parent = path.length === 0 ? undefined : get(root, path.slice(0, -1));
    const key = path.at(-1);
    const current = path.length === 0 ? root : get(root, path);
    const put = (value: unknown) => {
      if (path.length === 0) root = value;
      else if (typeof parent === 'object' && parent !== null)
        Object.defineProperty(parent, key!, { value, enumerable: true, writable: true, configurable: true });
    };
    switch (e.kind) {
      case 'set':
        put(structuredCloneSafe(e.value));
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (typeof parent === 'object' && parent !== null) delete (parent as Record<string, unknown>)[key as string];
        break;
      case 'add':
        if (Array.isArray(current)) current.push(structuredCloneSafe(e.value));
        else if (typeof current === 'object' && current !== null)
          Object.defineProperty(current, e.key, {
            value: structuredCloneSafe(e.value),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        break;
      case 'duplicate':
        if (Array.isArray(parent)) parent.splice(key as number, 0, structuredCloneSafe(current));
        else if (Array.isArray(current) && current.length > 0) current.push(structuredCloneSafe(current[0]));
        break;
      case 'string':
        if (typeof current === 'string')
          put(current.slice(0, e.where % (current.length + 1)) + e.text + current.slice(e.where % (current.length + 1)));
        else put(e.text);
        break;
      case 'number':
        if (typeof current === 'number') put(current * e.factor);
        else if (typeof current === 'string' && current !== '' && Number.isFinite(Number(current))) put(String(Number(current) * e.factor));
        break;
    }
  }
  return root;
}

function get(root: unknown, path: Path): unknown {
  let value = root;
  for (const key of path) value = (value as Record<string | number, unknown>)[key];
  return value;
}

/** structuredClone, except for what it cannot clone or would take long to (a deep nest is shared). */
function structuredCloneSafe(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}

/** Text edits: inserted pieces, a cut, a repeated slice, a stray byte. */
export type TextEdit =
  | { readonly kind: 'insert'; readonly where: number; readonly text: string }
  | { readonly kind: 'cut'; readonly from: number; readonly length: number }
  | { readonly kind: 'repeat'; readonly from: number; readonly length: number; readonly times: number };

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      where: fc.nat(),
      text: fc.oneof(
        fc.constantFrom(
          ...interestingStrings,
          '\n',
          '\r\n',
          ',',
          '"',
          ':',
          '- ',
          '&a ',
          '*a',
          '!!js/function ',
          '{',
          '[',
          '#',
          '\t',
          '\ufeff',
        ),
        fc.string({ maxLength: 6 }),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('cut' as const), from: fc.nat(), length: fc.nat({ max: 200 }) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('repeat' as const),
      from: fc.nat(),
      length: fc.integer({ min: 1, max: 40 }),
      times: fc.integer({ min: 2, max: 300 }),
    }),
  },
);

export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of edits) {
    const at = (n: number) => n % (out.length + 1);
    if (e.kind === 'insert') out = out.slice(0, at(e.where)) + e.text + out.slice(at(e.where));
    else if (e.kind === 'cut') out = out.slice(0, at(e.from)) + out.slice(at(e.from) + e.length);
    else {
      const piece = out.slice(at(e.from), at(e.from) + e.length);
      out = out.slice(0, at(e.from)) + piece.repeat(e.times) + out.slice(at(e.from));
    }
    if (out.length > 200_000) out = out.slice(0, 200_000);
  }
  return out;
}
