/**
 * A simulated flag's LaunchDarkly audit log: one entry per step (the shape of
 * `GET /api/v2/auditlog/{id}` and of webhook payloads), each with the flag's `previousVersion` and
 * `currentVersion` as the REST API represents a flag filtered to one environment: its variations,
 * its off variation, its prerequisites, its rules with their clauses, and the rollout the step
 * moved (the default rule's, or its rollout rule's), several treatments in proportion.
 */
import { weightsForPercent } from '../formats/rollout-weights.ts';
import type { Scenario, ScenarioFlag } from './scenario.ts';

const ACCOUNT_ID = '5f2b6c0e9d1a4b0012345678';
const PROJECT = 'default';

export function auditLog(scenario: Scenario): unknown[] {
  const entries: Array<{ date: number; entry: unknown }> = [];
  for (const flag of scenario.flags) {
    let previous = 0;
    flag.steps.forEach((step, index) => {
      if (step.source === 'guardrail') return;
      const date = Date.parse(step.at);
      const id = hexId(`${scenario.seed}/${flag.key}/${index}`);
      const [firstName, lastName] = nameOf(step.by);
      const resource = `proj/${PROJECT}:env/${scenario.environment}:flag/${flag.key}`;
      entries.push({
        date,
        entry: {
          _links: {
            canonical: { href: `/api/v2/auditlog/${id}`, type: 'application/json' },
            parent: { href: '/api/v2/auditlog', type: 'application/json' },
            self: { href: `/api/v2/auditlog/${id}`, type: 'application/json' },
          },
          _id: id,
          _accountId: ACCOUNT_ID,
          date,
          accesses: [{ action: flag.rolloutRule === undefined ? 'updateFallthrough' : 'updateRules', resource }],
          kind: 'flag',
          name: flag.name,
          description: describeStep(flag, step.percent),
          shortDescription: '',
          ...(step.comment ? { comment: step.comment } : {}),
          member: { _links: {}, _id: hexId(step.by), email: step.by, firstName, lastName },
          titleVerb: 'updated the flag',
          title: `${firstName} ${lastName} updated the flag [${flag.name}](https://app.launchdarkly.com/${PROJECT}/${scenario.environment}/features/${flag.key}) in \`${scenario.environment}\``,
          target: { _links: {}, name: flag.name, resources: [resource] },
          previousVersion: flagVersion(scenario, flag, previous, date - 1, index),
          currentVersion: flagVersion(scenario, flag, step.percent, date, index + 1),
        },
      });
      previous = step.percent;
    });
  }
  return entries.sort((a, b) => a.date - b.date).map((e) => e.entry);
}

/** What LaunchDarkly's audit log says of the change, as its own entries do. */
function describeStep(flag: ScenarioFlag, percent: number): string {
  const where = flag.rolloutRule === undefined ? 'the default rule' : `rule ${flag.rolloutRule}`;
  const served = rolloutAt(flag, percent)
    .map((v) => `${v.weight / 1000}% \`${JSON.stringify(flag.variations[v.variation])}\``)
    .join(', ');
  return `- Changed ${where} to serve a percentage rollout: ${served}`;
}

/** The rollout a step sets: `percent` to the treatments (in their proportions), the rest to the off variation. */
function rolloutAt(flag: ScenarioFlag, percent: number): Array<{ variation: number; weight: number }> {
  const treatments = flag.treatments ?? [{ variation: flag.offVariation === 0 ? 1 : 0, weight: 1 }];
  // Integer proportions: weightsForPercent splits the treated weight by them, largest remainder first.
  const proportions = treatments.map((t) => ({ variation: t.variation, weight: Math.round(t.weight * 1000) }));
  return weightsForPercent(proportions, flag.offVariation, percent, flag.variations.length);
}

/** A flag as LaunchDarkly's REST API represents it, filtered to one environment. */
function flagVersion(scenario: Scenario, flag: ScenarioFlag, percent: number, date: number, version: number): unknown {
  const rollout = { variations: rolloutAt(flag, percent) };
  const off = { variation: flag.offVariation };
  return {
    key: flag.key,
    name: flag.name,
    kind: flag.variations.length === 2 && flag.variations.every((v) => typeof v === 'boolean') ? 'boolean' : 'multivariate',
    _version: version,
    creationDate: Date.parse(scenario.start) - 7 * 86_400_000,
    variations: flag.variations.map((value) => ({ _id: hexId(`${flag.key}/${JSON.stringify(value)}`), value, name: variationName(value) })),
    temporary: true,
    tags: [],
    environments: {
      [scenario.environment]: {
        on: true,
        archived: false,
        salt: hexId(`${flag.key}/salt`),
        sel: hexId(`${flag.key}/sel`),
        lastModified: date,
        version,
        targets: [],
        contextTargets: [],
        rules: flag.rules.map((r) => ({
          _id: r.id,
          ...(r.description ? { description: r.description } : {}),
          clauses: [
            {
              _id: hexId(`${flag.key}/${r.id}/clause`),
              attribute: r.attribute,
              op: 'in',
              values: r.values,
              negate: false,
              contextKind: 'user',
            },
          ],
          trackEvents: false,
          ...(r.id === flag.rolloutRule ? { rollout } : { variation: r.variation ?? flag.offVariation }),
        })),
        fallthrough: flag.rolloutRule === undefined ? { rollout } : off,
        offVariation: flag.offVariation,
        prerequisites: flag.prerequisites,
        _environmentName: scenario.environment,
        trackEvents: false,
        trackEventsFallthrough: false,
      },
    },
  };
}

/** A boolean flag's variations are named as LaunchDarkly names them; others by their value. */
function variationName(value: unknown): string {
  return value === true ? 'Enabled' : value === false ? 'Disabled' : String(value);
}

function nameOf(email: string): [string, string] {
  const [first = 'On', last = 'Call'] = email.split('@')[0]!.split('.');
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  return [cap(first), cap(last)];
}

/** A stable 24-hex-digit id (FNV-1a, three rounds) in LaunchDarkly's id shape. */
export function hexId(text: string): string {
  let out = '';
  for (let round = 0; round < 3; round++) {
    let hash = 0x811c9dc5 ^ round;
    for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    out += (hash >>> 0).toString(16).padStart(8, '0');
  }
  return out;
}
