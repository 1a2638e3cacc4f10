/**
 * How the Prometheus JMX exporter names the broker metrics the guardrail reads, with the rules
 * most Kafka setups start from (the exporter's example Kafka config, Strimzi's, Confluent's):
 * `lowercaseOutputName: true`, `kafka.server<type=(.+), name=(.+)><>Value` → `kafka_server_$1_$2`,
 * and `kafka.server<type=(.+), listener=(.+), networkProcessor=(.+)><>(.+)` → `kafka_server_$1_$4`
 * with `listener` and `networkProcessor` labels (hyphens become underscores). JVM memory pools come
 * from the Prometheus Java client's JVM collectors, with a `pool` label.
 *
 * One table, read both ways: the Prometheus source's default PromQL, and the OpenMetrics that the
 * tests (and a drill) write from a simulation, so the two cannot drift apart.
 */

/** `kafka.server:type=socket-server-metrics,listener=…,networkProcessor=…` `connection-creation-rate`. */
export const CONNECTION_CREATION_RATE = 'kafka_server_socket_server_metrics_connection_creation_rate';
/** `kafka.server:type=socket-server-metrics,listener=…,networkProcessor=…` `connection-count`. */
export const CONNECTION_COUNT = 'kafka_server_socket_server_metrics_connection_count';
/** `kafka.server:type=ReplicaManager,name=ProducerIdCount` (KIP-847, Kafka 3.5+). */
export const PRODUCER_ID_COUNT = 'kafka_server_replicamanager_produceridcount';
/** `kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec` `Count` (the exporter's `…PerSec><>Count` rule: a counter; the broker's total has no `topic` label). */
export const BYTES_IN = 'kafka_server_brokertopicmetrics_bytesin_total';
/** `kafka.server:type=BrokerTopicMetrics,name=MessagesInPerSec` `Count`: records in, however they are batched or compressed. */
export const MESSAGES_IN = 'kafka_server_brokertopicmetrics_messagesin_total';
/** `java.lang:type=MemoryPool,name=…` `CollectionUsage.used`: a pool's bytes after the last GC. */
export const POOL_USED_AFTER_GC = 'jvm_memory_pool_collection_used_bytes';
/** `java.lang:type=MemoryPool,name=…` `CollectionUsage.max`. */
export const POOL_MAX_AFTER_GC = 'jvm_memory_pool_collection_max_bytes';

/** The per-listener labels that one broker's socket-server metrics are split by. */
export const LISTENER_LABELS = ['listener', 'networkProcessor'] as const;

/** Listeners that carry broker-to-broker or controller traffic (MSK, Strimzi, Confluent names). */
export const INTER_BROKER_LISTENERS = '(?i)(replication|internal|controller|controlplane).*';

/**
 * The pools whose CollectionUsage is the heap left after GC, one per HotSpot collector (PromQL
 * matches the whole name): the old generation of G1, Parallel, CMS and generational Shenandoah
 * (`… Old Gen`), Serial (`Tenured Gen`) and generational ZGC (`ZGC Old Generation`); the one pool,
 * the whole heap, of single-generation ZGC (`ZHeap`) and Shenandoah (`Shenandoah`).
 */
export const OLD_GEN_POOLS = '.*Old Gen|Tenured Gen|ZGC Old Generation|ZHeap|Shenandoah';
