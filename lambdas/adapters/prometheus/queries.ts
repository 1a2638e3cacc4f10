/**
 * The PromQL that reads each signal from a Prometheus fed by the JMX exporter: one series per
 * broker. A signal's `promql` in the configuration replaces its default; a signal with neither
 * is not read from Prometheus (and the readout says so).
 *
 * Each default keeps the labels that name the broker and cluster (whatever they are called) and
 * sums away only the per-listener split, so series arrive one per broker.
 */
import type { SignalConfig } from '../../core/config.ts';
import {
  BYTES_IN,
  CONNECTION_COUNT,
  CONNECTION_CREATION_RATE,
  INTER_BROKER_LISTENERS,
  LISTENER_LABELS,
  MESSAGES_IN,
  OLD_GEN_POOLS,
  POOL_MAX_AFTER_GC,
  POOL_USED_AFTER_GC,
  PRODUCER_ID_COUNT,
} from '../../formats/jmx-exporter.ts';

const perBroker = (selector: string) => `sum without (${LISTENER_LABELS.join(', ')}) (${selector})`;

export const DEFAULT_PROMQL: Readonly<Record<string, string>> = {
  ConnectionCreationRate: perBroker(CONNECTION_CREATION_RATE),
  ConnectionCount: perBroker(CONNECTION_COUNT),
  ClientConnectionCount: perBroker(`${CONNECTION_COUNT}{listener!~"${INTER_BROKER_LISTENERS}"}`),
  ProducerIdCount: PRODUCER_ID_COUNT,
  // The broker's total over all topics. Over 2 minutes, so that a window holds four 30-second
  // scrapes (rate needs two): at 60 s periods each value averages its period with the one before.
  MessagesInPerSec: `rate(${MESSAGES_IN}{topic=""}[2m])`,
  BytesInPerSec: `rate(${BYTES_IN}{topic=""}[2m])`,
  // Old generation after GC as a share of its max: what is left once the collector has done its best.
  HeapMemoryAfterGC: `100 * ${POOL_USED_AFTER_GC}{pool=~"${OLD_GEN_POOLS}"} / ${POOL_MAX_AFTER_GC}`,
};

/** The signal's query: its own `promql`, else the default for its name. */
export function queryFor(signal: Pick<SignalConfig, 'name' | 'promql'>): string | undefined {
  return signal.promql ?? DEFAULT_PROMQL[signal.name];
}
