/** Builders of real-shaped inputs for tests: LaunchDarkly audit entries and GetMetricData results. */
export function flagVersion(
  key: string,
  environments: Record<string, { on?: boolean; weights?: [number, number]; variation?: number; rules?: unknown[] }>,
) {
  return {
    key,
    variations: [{ value: true }, { value: false }],
    environments: Object.fromEntries(
      Object.entries(environments).map(([env, c]) => [
        env,
        {
          on: c.on ?? true,
          offVariation: 1,
          fallthrough: c.weights
            ? {
                rollout: {
                  variations: [
                    { variation: 0, weight: c.weights[0] },
                    { variation: 1, weight: c.weights[1] },
                  ],
                },
              }
            : { variation: c.variation ?? 1 },
          rules: c.rules ?? [],
        },
      ]),
    ),
  };
}

export function auditEntry(id: string, date: number, previous: unknown, current: unknown, email = 'someone@example.com') {
  return {
    _id: id,
    _accountId: 'acct',
    _links: {},
    accesses: [],
    date,
    kind: 'flag',
    name: 'A flag',
    description: '',
    shortDescription: '',
    member: { email },
    previousVersion: previous,
    currentVersion: current,
  };
}

/** A rollout step from `from`% to `to`% as LaunchDarkly's audit log records it. */
export function stepEntry(id: string, date: number, flag: string, from: number, to: number, env = 'production') {
  return auditEntry(
    id,
    date,
    flagVersion(flag, { [env]: { weights: [from * 1000, 100_000 - from * 1000] } }),
    flagVersion(flag, { [env]: { weights: [to * 1000, 100_000 - to * 1000] } }),
  );
}
