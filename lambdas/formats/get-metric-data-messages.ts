/**
 * What GetMetricData said of a page or of a result (`Messages`: `[{ Code, Value }]`): points it
 * dropped (`ArithmeticError`), a query over its limits. Each message is one warning per file,
 * naming the first few places that said it (a SEARCH over every broker says it of each).
 */

/** Places named in one warning; more are counted. */
export const LISTED = 3;
/** A message's `Code: Value` is cut to this many characters. */
const MAX_MESSAGE = 200;

export interface MessageLog {
  /** What `messages` (a page's or a result's `Messages`) say, at `field` of `source`. */
  record(source: string, field: string, messages: unknown): void;
  warnings(): string[];
}

export function messageLog(): MessageLog {
  const said = new Map<string, { source: string; message: string; fields: string[] }>();
  return {
    record(source, field, messages) {
      for (const message of messagesOf(messages)) {
        const key = JSON.stringify([source, message]);
        said.set(key, { source, message, fields: [...(said.get(key)?.fields ?? []), field] });
      }
    },
    warnings: () => [...said.values()].map(({ source, message, fields }) => `${source}: ${listed(fields)} said ${message}`),
  };
}

/** The first LISTED places, and how many more: `a, b, c, and 4 more`. */
export function listed(places: readonly string[]): string {
  const more = places.length > LISTED ? `, and ${places.length - LISTED} more` : '';
  return `${places.slice(0, LISTED).join(', ')}${more}`;
}

function messagesOf(messages: unknown): string[] {
  if (!Array.isArray(messages)) return [];
  return messages.flatMap((m) => {
    const { Code, Value } = (m ?? {}) as { Code?: unknown; Value?: unknown };
    const text = [Code, Value].filter((part) => typeof part === 'string' && part !== '').join(': ');
    return text ? [text.slice(0, MAX_MESSAGE)] : [];
  });
}
