/**
 * A scenario: the simulated world (brokers, traffic, producers, heap, flags and their steps,
 * deploys, surges, outages), its seed, and the outcome it is expected to give. Every field is
 * validated; defaults and their sources are in docs/simulator.md.
 */
import { z } from 'zod';

const isoTime = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'expected an ISO 8601 time');

const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    seed: z.number().int(),
    start: isoTime.describe('first exported minute'),
    end: isoTime.describe('end of the export (exclusive)'),
    cluster: z.string().default('events-msk'),
    environment: z.string().default('production'),
    brokers: z.number().int().min(2).default(6),
    traffic: z
      .object({
        peakRequestsPerSecond: z.number().positive().default(1556),
        troughFraction: z.number().positive().max(1).default(0.35),
        peakHourUtc: z.number().min(0).max(24).default(17),
        noise: z.number().nonnegative().default(0.05),
      })
      .strict()
      .default({ peakRequestsPerSecond: 1556, troughFraction: 0.35, peakHourUtc: 17, noise: 0.05 }),
    producers: z
      .object({
        typicalPerSecondAtPeak: z.number().positive().default(14.06),
        noise: z.number().nonnegative().default(0.08),
        brokerNoise: z.number().nonnegative().default(0.06),
        connectionsPerProducer: z.number().positive().default(3),
        partitionsPerProducer: z.number().positive().default(4),
        connectionLifetimeSeconds: z.number().positive().default(30),
        longLivedConnectionsPerBroker: z.number().nonnegative().default(900),
        interBrokerConnectionsPerBroker: z.number().nonnegative().default(40),
      })
      .strict()
      .default({
        typicalPerSecondAtPeak: 14.06,
        noise: 0.08,
        brokerNoise: 0.06,
        connectionsPerProducer: 3,
        partitionsPerProducer: 4,
        connectionLifetimeSeconds: 30,
        longLivedConnectionsPerBroker: 900,
        interBrokerConnectionsPerBroker: 40,
      }),
    heap: z
      .object({
        sizeGiB: z.number().positive().default(6),
        basePercent: z.number().min(0).max(100).default(32),
        bytesPerProducerState: z.number().positive().default(650),
        expirationHours: z.number().positive().default(24),
        noise: z.number().nonnegative().default(0.4),
      })
      .strict()
      .default({ sizeGiB: 6, basePercent: 32, bytesPerProducerState: 650, expirationHours: 24, noise: 0.4 }),
    flags: z
      .array(
        z
          .object({
            key: z.string().min(1),
            name: z.string().min(1),
            producersPerRequest: z.number().nonnegative().default(0),
            steps: z.array(
              z
                .object({
                  at: isoTime,
                  percent: z.number().min(0).max(100),
                  by: z.string(),
                  comment: z.string().optional(),
                  /** release: someone stepped the flag; guardrail: the guardrail's own change, which a replay decides again and so is not exported. */
                  source: z.enum(['release', 'guardrail']).default('release'),
                })
                .strict(),
            ),
          })
          .strict(),
      )
      .default([]),
    deploys: z
      .array(
        z
          .object({
            at: isoTime,
            service: z.string(),
            version: z.string(),
            by: z.string(),
            heapLeakPercentPerHour: z.number().nonnegative().default(0),
          })
          .strict(),
      )
      .default([]),
    surges: z.array(z.object({ from: isoTime, to: isoTime, factor: z.number().positive() }).strict()).default([]),
    outages: z
      .array(z.object({ signal: z.string(), from: isoTime, to: isoTime.optional(), brokers: z.array(z.number().int()).optional() }).strict())
      .default([]),
    expected: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type Scenario = z.infer<typeof scenarioSchema>;
export const parseScenario = (value: unknown): Scenario => scenarioSchema.parse(value);
export { scenarioSchema };
