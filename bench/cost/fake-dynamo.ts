/**
 * An in-memory DynamoDB document client that counts what DynamoDB on-demand would bill: read and
 * write request units by DynamoDB's rules (item size from attribute names and values; a write is
 * 1 WRU per KB of the larger of the item before and after, a failed conditional write too; a
 * strongly consistent read 1 RRU per 4 KB, half for an eventually consistent one; a query per
 * 4 KB of the items it reads, per 1 MB page), and storage (item sizes plus 100 bytes each).
 * Items whose `expiresAt` passed are removed by `expire`, free, as time to live does.
 *
 * It answers the commands and expressions the stores use (lambdas/adapters/dynamodb/), in the
 * shapes lib-dynamodb returns; anything else throws, so a store change that it does not know is
 * noticed rather than miscounted.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';

type Item = Record<string, unknown>;
type Values = Record<string, unknown>;

const PAGE_BYTES = 1024 * 1024;

export interface DynamoCounts {
  rru: number;
  wru: number;
  requests: Record<string, number>;
}

export class CountingDynamo {
  private readonly partitions = new Map<string, Map<string, Item>>();
  readonly counts: DynamoCounts = { rru: 0, wru: 0, requests: {} };
  /** Time spent in this fake, to take out of the handler's measured time. */
  selfMs = 0;

  async send(command: unknown): Promise<unknown> {
    const started = performance.now();
    try {
      return this.answer(command);
    } finally {
      this.selfMs += performance.now() - started;
    }
  }

  /** Bytes stored, as DynamoDB bills them (100 bytes of overhead an item). */
  storedBytes(): number {
    let bytes = 0;
    for (const partition of this.partitions.values()) for (const item of partition.values()) bytes += itemSize(item) + 100;
    return bytes;
  }

  /** Removes the items whose `expiresAt` (epoch seconds) is before `now`: time to live, not billed. */
  expire(now: number): void {
    for (const partition of this.partitions.values()) {
      for (const [sk, item] of partition) if (typeof item.expiresAt === 'number' && item.expiresAt * 1000 < now) partition.delete(sk);
    }
  }

  items(pk: string): Item[] {
    return [...(this.partitions.get(pk)?.values() ?? [])];
  }

  private count(name: string, rru: number, wru: number): void {
    this.counts.requests[name] = (this.counts.requests[name] ?? 0) + 1;
    this.counts.rru += rru;
    this.counts.wru += wru;
  }

  private answer(command: unknown): unknown {
    if (command instanceof GetCommand) {
      const { Key, ConsistentRead } = command.input;
      const item = this.get(Key as Item);
      this.count('GetItem', readUnits(item ? itemSize(item) : 0, ConsistentRead === true), 0);
      return { Item: item && structuredClone(item) };
    }
    if (command instanceof PutCommand) {
      const { Item: item, ConditionExpression, ExpressionAttributeValues, ExpressionAttributeNames } = command.input;
      const before = this.get(item as Item);
      this.count('PutItem', 0, writeUnits(Math.max(itemSize(item as Item), before ? itemSize(before) : 0)));
      if (ConditionExpression && !condition(ConditionExpression, before, ExpressionAttributeValues ?? {}, ExpressionAttributeNames ?? {}))
        throw conditionFailed();
      this.put(structuredClone(item as Item));
      return {};
    }
    if (command instanceof UpdateCommand) {
      const { Key, UpdateExpression, ConditionExpression, ExpressionAttributeValues, ExpressionAttributeNames } = command.input;
      const before = this.get(Key as Item);
      const after = update(structuredClone(before ?? { ...(Key as Item) }), UpdateExpression!, ExpressionAttributeValues ?? {});
      this.count('UpdateItem', 0, writeUnits(Math.max(itemSize(after), before ? itemSize(before) : 0)));
      if (ConditionExpression && !condition(ConditionExpression, before, ExpressionAttributeValues ?? {}, ExpressionAttributeNames ?? {}))
        throw conditionFailed();
      this.put(after);
      return {};
    }
    if (command instanceof QueryCommand) return this.query(command);
    if (command instanceof BatchWriteCommand) {
      for (const [, requests] of Object.entries(command.input.RequestItems ?? {})) {
        for (const request of requests) {
          const item = request.PutRequest?.Item as Item | undefined;
          if (!item) throw new Error('CountingDynamo: only PutRequest in BatchWriteItem');
          const before = this.get(item);
          this.counts.wru += writeUnits(Math.max(itemSize(item), before ? itemSize(before) : 0));
          this.put(structuredClone(item));
        }
      }
      this.count('BatchWriteItem', 0, 0);
      return { UnprocessedItems: {} };
    }
    if (command instanceof BatchGetCommand) {
      const responses: Record<string, Item[]> = {};
      for (const [table, { Keys, ConsistentRead }] of Object.entries(command.input.RequestItems ?? {})) {
        responses[table] = [];
        for (const key of Keys ?? []) {
          const item = this.get(key as Item);
          this.counts.rru += readUnits(item ? itemSize(item) : 0, ConsistentRead === true);
          if (item) responses[table]!.push(structuredClone(item));
        }
      }
      this.count('BatchGetItem', 0, 0);
      return { Responses: responses, UnprocessedKeys: {} };
    }
    throw new Error(`CountingDynamo: ${(command as { constructor: { name: string } }).constructor.name} is not answered`);
  }

  private query(command: QueryCommand): unknown {
    const {
      KeyConditionExpression,
      FilterExpression,
      ExpressionAttributeValues = {},
      ExpressionAttributeNames = {},
      ExclusiveStartKey,
      ConsistentRead,
    } = command.input;
    const match = /^pk = (:\w+)(?: AND sk (<=|BETWEEN) (:\w+)(?: AND (:\w+))?)?$/.exec(KeyConditionExpression!.trim());
    if (!match) throw new Error(`CountingDynamo: key condition ${KeyConditionExpression} is not answered`);
    const [, pkName, op, a, b] = match;
    const partition = this.partitions.get(ExpressionAttributeValues[pkName!] as string);
    const keys = [...(partition?.keys() ?? [])].sort();
    const inRange = (sk: string) =>
      op === undefined
        ? true
        : op === '<='
          ? sk <= (ExpressionAttributeValues[a!] as string)
          : sk >= (ExpressionAttributeValues[a!] as string) && sk <= (ExpressionAttributeValues[b!] as string);
    const start = ExclusiveStartKey ? (ExclusiveStartKey.sk as string) : undefined;
    const items: Item[] = [];
    let bytes = 0;
    let last: string | undefined;
    for (const sk of keys) {
      if (start !== undefined && sk <= start) continue;
      if (!inRange(sk)) continue;
      const item = partition!.get(sk)!;
      bytes += itemSize(item);
      last = sk;
      if (!FilterExpression || condition(FilterExpression, item, ExpressionAttributeValues, ExpressionAttributeNames))
        items.push(structuredClone(item));
      if (bytes >= PAGE_BYTES) break;
    }
    const more = last !== undefined && bytes >= PAGE_BYTES && keys.some((sk) => sk > last! && inRange(sk));
    this.count('Query', readUnits(bytes, ConsistentRead === true), 0);
    return { Items: items, ...(more ? { LastEvaluatedKey: { pk: ExpressionAttributeValues[pkName!], sk: last } } : {}) };
  }

  private get(key: Item): Item | undefined {
    return this.partitions.get(key.pk as string)?.get(key.sk as string);
  }

  private put(item: Item): void {
    let partition = this.partitions.get(item.pk as string);
    if (!partition) {
      partition = new Map();
      this.partitions.set(item.pk as string, partition);
    }
    partition.set(item.sk as string, item);
  }
}

function conditionFailed(): Error {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
}

/** DynamoDB's item size: attribute names and values, in bytes. */
export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name) + valueSize(value);
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value);
  if (typeof value === 'number')
    return (
      Math.ceil(
        String(Math.abs(value))
          .replace(/[.-]|e.*$/g, '')
          .replace(/^0+/, '').length / 2,
      ) + 1
    );
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((n: number, v) => n + 1 + valueSize(v), 0);
  if (typeof value === 'object')
    return 3 + Object.entries(value as Item).reduce((n, [k, v]) => n + 1 + Buffer.byteLength(k) + valueSize(v), 0);
  throw new Error(`CountingDynamo: no size for ${typeof value}`);
}

function writeUnits(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

function readUnits(bytes: number, consistent: boolean): number {
  return Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
}

/** The condition and filter expressions the stores write: comparisons, attribute_(not_)exists, AND, OR, parentheses. */
function condition(expression: string, item: Item | undefined, values: Values, names: Record<string, string>): boolean {
  const tokens = expression.match(/attribute_not_exists|attribute_exists|[()]|<=|>=|<>|[=<>]|AND|OR|[#:]?\w+/g)!;
  let i = 0;
  const attribute = (token: string) => item?.[token.startsWith('#') ? names[token]! : token];
  const operand = (token: string) => (token.startsWith(':') ? values[token] : attribute(token));
  const primary = (): boolean => {
    const token = tokens[i++]!;
    if (token === '(') {
      const result = or();
      i++; // ')'
      return result;
    }
    if (token === 'attribute_exists' || token === 'attribute_not_exists') {
      i++; // '('
      const exists = attribute(tokens[i++]!) !== undefined;
      i++; // ')'
      return token === 'attribute_exists' ? exists : !exists;
    }
    const left = operand(token);
    const op = tokens[i++]!;
    const right = operand(tokens[i++]!);
    if (left === undefined || right === undefined) return op === '<>';
    const [l, r] = [left as number | string | boolean, right as number | string | boolean];
    switch (op) {
      case '=':
        return l === r;
      case '<>':
        return l !== r;
      case '<':
        return l < r;
      case '<=':
        return l <= r;
      case '>':
        return l > r;
      case '>=':
        return l >= r;
    }
    throw new Error(`CountingDynamo: operator ${op}`);
  };
  const and = (): boolean => {
    let result = primary();
    while (tokens[i] === 'AND') {
      i++;
      const right = primary();
      result = result && right;
    }
    return result;
  };
  const or = (): boolean => {
    let result = and();
    while (tokens[i] === 'OR') {
      i++;
      const right = and();
      result = result || right;
    }
    return result;
  };
  return or();
}

/** `SET a = :x, b = :y` and `REMOVE a`. */
function update(item: Item, expression: string, values: Values): Item {
  const set = /^SET (.+)$/.exec(expression.trim());
  if (set) {
    for (const assignment of set[1]!.split(',')) {
      const [name, value] = assignment.split('=').map((s) => s.trim());
      item[name!] = values[value!];
    }
    return item;
  }
  const remove = /^REMOVE (.+)$/.exec(expression.trim());
  if (remove) {
    for (const name of remove[1]!.split(',')) delete item[name.trim()];
    return item;
  }
  throw new Error(`CountingDynamo: update ${expression} is not answered`);
}
