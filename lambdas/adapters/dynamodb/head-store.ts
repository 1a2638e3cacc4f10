/**
 * A shard's state without its series, saved back as a new head with the same log and gate summary:
 * for a change that leaves the series alone (acknowledging a freeze). It reads one item and writes
 * one, and carries none of the evaluation a DynamoStore needs to rebuild series (the ack Lambda's
 * bundle stays small). A detector run that loaded the head before sees its save refused
 * (StateConflictError) and ends superseded; the next scheduled run evaluates on the new head; one that saved it catches up from the journal
 * as after any other save, finding no new entry. (A table still in the layout before shards has no
 * head until the detector's next run carries its state over, a minute at most: nothing is frozen here till then.)
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { GuardrailState } from '../../core/state.ts';
import type { StateStore } from '../../ports.ts';
import { encodeHead, headKey, putHead, readHead, type StoredHead } from './head.ts';
import type { Table } from './table.ts';

export function headStore(table: Table, shard: string): Pick<StateStore, 'load' | 'save'> {
  const loaded = new WeakMap<GuardrailState, Pick<StoredHead, 'log' | 'gate'>>();
  return {
    async load() {
      const { Item } = await table.client.send(new GetCommand({ TableName: table.name, Key: headKey(shard), ConsistentRead: true }));
      if (!Item) return undefined;
      const { log, gate, ...fields } = readHead(Item);
      const state: GuardrailState = { ...fields, revision: Item.revision as number, series: {} };
      loaded.set(state, { log, gate });
      return state;
    },
    async save(state) {
      const kept = loaded.get(state);
      if (!kept) throw new Error('headStore saves only a state it loaded');
      const { series: _series, revision, ...fields } = state;
      await putHead(table, shard, state, revision, encodeHead({ ...fields, ...kept }));
      state.revision = revision + 1;
    },
  };
}
