/**
 * A scenario: the simulated world (brokers, traffic, producers, heap, flags and their steps,
 * deploys, surges, outages), its seed, and the outcome it is expected to give. Every field is
 * validated; defaults and their sources are in docs/simulator.md.
 */
import { z } from 'zod';
import { readTime } from '../core/input-bounds.ts';

/** ISO 8601 within 2006..2100, as every time a user gives (input-bounds.ts): "0" is not a time. */
const isoTime = z.string().superRefine((value, context) => {
  const reading = readTime(value, 'none');
  if ('problem' in reading) context.addIssue({ code: 'custom', message: reading.problem });
});
/** A scenario is simulated minute by minute: as a replay, 92 days at most. */
const MAX_SPAN_MS = 92 * 86_400_000;
/** Lists of a scenario: far more than any incident has, few enough to simulate. */
const MAX_ITEMS = 100;
const list = <T extends z.ZodTypeAny>(item: T) => z.array(item).max(MAX_ITEMS, `at most ${MAX_ITEMS}`);

/** A targeting rule: requests whose `attribute` is one of `values`, a `trafficShare` of all requests. */
const rule = z
  .object({
    id: z.string().min(1),
    description: z.string().optional(),
    attribute: z.string().min(1),
    values: z.array(z.string()).min(1),
    trafficShare: z.number().positive().max(1),
    /** What a rule the steps do not move serves (default the off variation). */
    variation: z.number().int().nonnegative().optional(),
  })
  .strict();

const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    seed: z.number().int(),
    start: isoTime.describe('first exported minute'),
    end: isoTime.describe('end of the export (exclusive)'),
    cluster: z.string().default('events-msk'),
    environment: z.string().default('production'),
    brokers: z.number().int().min(2).max(MAX_ITEMS, `at most ${MAX_ITEMS} brokers`).default(6),
    traffic: z
      .object({
        peakRequestsPerSecond: z.number().positive().max(1e9).default(1556),
        troughFraction: z.number().positive().max(1).default(0.35),
        peakHourUtc: z.number().min(0).max(24).default(17),
        noise: z.number().nonnegative().max(10).default(0.05),
      })
      .strict()
      .default({ peakRequestsPerSecond: 1556, troughFraction: 0.35, peakHourUtc: 17, noise: 0.05 }),
    producers: z
      .object({
        typicalPerSecondAtPeak: z.number().positive().max(1e6).default(14.06),
        noise: z.number().nonnegative().max(10).default(0.08),
        brokerNoise: z.number().nonnegative().max(10).default(0.06),
        connectionsPerProducer: z.number().positive().max(1e4).default(3),
        partitionsPerProducer: z.number().positive().max(1e5).default(4),
        connectionLifetimeSeconds: z.number().positive().max(86_400).default(30),
        longLivedConnectionsPerBroker: z.number().nonnegative().max(1e7).default(900),
        interBrokerConnectionsPerBroker: z.number().nonnegative().max(1e5).default(40),
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
        sizeGiB: z.number().positive().max(1024).default(6),
        basePercent: z.number().min(0).max(100).default(32),
        bytesPerProducerState: z.number().positive().max(1e7).default(650),
        expirationHours: z.number().positive().max(10_000).default(24),
        noise: z.number().nonnegative().max(10).default(0.4),
      })
      .strict()
      .default({ sizeGiB: 6, basePercent: 32, bytesPerProducerState: 650, expirationHours: 24, noise: 0.4 }),
    flags: list(
      z
        .object({
          key: z.string().min(1),
          name: z.string().min(1),
          producersPerRequest: z.number().nonnegative().max(1000).default(0),
          /** Its variations' values (default a boolean flag's true, false); the off variation is the control. */
          variations: z.array(z.unknown()).min(2).max(MAX_ITEMS, `at most ${MAX_ITEMS}`).default([true, false]),
          offVariation: z.number().int().nonnegative().default(1),
          /** A multivariate flag's treatments in proportion, by variation index: its steps serve them so. */
          treatments: list(z.object({ variation: z.number().int().nonnegative(), weight: z.number().positive() }).strict()).optional(),
          /** Targeting rules, in order; the first a request matches serves it (region rules: each a share of traffic). */
          rules: list(rule).default([]),
          /** The rule the steps roll out behind; by default the default rule. */
          rolloutRule: z.string().optional(),
          /** Flags that must serve a variation for this one to be on (LaunchDarkly prerequisites): met throughout the simulation. */
          prerequisites: list(z.object({ key: z.string().min(1), variation: z.number().int().nonnegative() }).strict()).default([]),
          steps: list(
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
    ).default([]),
    deploys: list(
      z
        .object({
          at: isoTime,
          service: z.string(),
          version: z.string(),
          by: z.string(),
          heapLeakPercentPerHour: z.number().nonnegative().max(100).default(0),
        })
        .strict(),
    ).default([]),
    surges: list(z.object({ from: isoTime, to: isoTime, factor: z.number().positive().max(1e6) }).strict()).default([]),
    outages: list(
      z.object({ signal: z.string(), from: isoTime, to: isoTime.optional(), brokers: list(z.number().int()).optional() }).strict(),
    ).default([]),
    expected: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((scenario, context) => {
    checkFlags(scenario.flags, context);
    const span = Date.parse(scenario.end) - Date.parse(scenario.start);
    if (!(span > 0)) context.addIssue({ code: 'custom', path: ['end'], message: 'must be after start' });
    else if (span > MAX_SPAN_MS)
      context.addIssue({
        code: 'custom',
        path: ['end'],
        message: `is ${Math.round(span / 86_400_000)} days after start: a scenario spans at most 92 days`,
      });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioFlag = Scenario['flags'][number];

/** A flag's variation indices, its rollout rule and its rules' shares must make a flag LaunchDarkly would serve. */
function checkFlags(flags: readonly ScenarioFlag[], context: z.RefinementCtx): void {
  flags.forEach((flag, i) => {
    const issue = (path: PropertyKey[], message: string) => context.addIssue({ code: 'custom', path: ['flags', i, ...path], message });
    const count = flag.variations.length;
    if (flag.offVariation >= count) issue(['offVariation'], `is not one of the flag's ${count} variations`);
    for (const [j, t] of (flag.treatments ?? []).entries())
      if (t.variation >= count) issue(['treatments', j], `is not one of the flag's ${count} variations`);
    if (flag.rolloutRule !== undefined && !flag.rules.some((r) => r.id === flag.rolloutRule))
      issue(['rolloutRule'], `names no rule of the flag (${flag.rules.map((r) => r.id).join(', ') || 'it has none'})`);
    if (flag.rules.reduce((sum, r) => sum + r.trafficShare, 0) > 1) issue(['rules'], 'the rules’ traffic shares add up to more than 1');
  });
}
export const parseScenario = (value: unknown): Scenario => scenarioSchema.parse(value);
export { scenarioSchema };
