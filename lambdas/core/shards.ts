/**
 * Shards: how the clusters of a big fleet are split so that each detector run evaluates a bounded
 * number of series. Each shard has its own schedule (naming it in the event), its own state
 * partition, and reads only its clusters' signals; the construct and the detector split the same
 * way, from the configuration. A cluster is counted as `shards.brokersPerCluster` brokers times
 * the configured signals; clusters are taken in the configured order, as many to a shard as fit
 * in `shards.maxSeries` (at least one). Appending clusters keeps the existing shards as they are;
 * inserting or removing one moves the later clusters to another shard, where their series start
 * afresh (warm-up, history) and go blind in the old one.
 */
import type { GuardrailConfig } from './config.ts';

export interface Shard {
  readonly id: string;
  readonly clusters: readonly string[];
}

export function planShards(config: Pick<GuardrailConfig, 'clusters' | 'signals' | 'shards'>): Shard[] {
  const seriesPerCluster = config.shards.brokersPerCluster * Math.max(1, config.signals.length);
  const perShard = Math.max(1, Math.floor(config.shards.maxSeries / seriesPerCluster));
  const shards: Shard[] = [];
  for (let i = 0; i < config.clusters.length; i += perShard)
    shards.push({ id: String(shards.length), clusters: config.clusters.slice(i, i + perShard) });
  return shards.length > 0 ? shards : [{ id: '0', clusters: [] }];
}
