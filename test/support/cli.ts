/** Runs the CLI in process, capturing what it prints and its exit code. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../cli/main.ts';

export async function stormguard(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), interactive: false });
  return { code, out, err };
}

export const newFolder = () => mkdtemp(join(tmpdir(), 'stormguard-cli-'));

/** `replay --json` over a bundled scenario, in a fresh state folder. */
export async function replayJson(scenario: string, ...extra: string[]): Promise<ReplayJson> {
  const { code, out, err } = await stormguard(
    'replay',
    '--scenario',
    scenario,
    '--json',
    '--state',
    join(await newFolder(), 'state'),
    ...extra,
  );
  if (code !== 0) throw new Error(`replay exited ${code}: ${err}`);
  return JSON.parse(out) as ReplayJson;
}

export interface ReplayJson {
  periodSeconds: number;
  from: string;
  warnings: string[];
  firstAnomaly: { time: string; signal: string } | null;
  episodes: Array<{
    attribution: { kind: string; release: { kind: string; service?: string; flag?: string } | null } | null;
    holdReason: string | null;
  }>;
  decisions: Array<{
    time: string;
    flag: string;
    environment: string;
    action: string;
    fromPercent: number;
    toPercent: number;
    mode: string;
    reason: string;
    evidence: { signal?: string };
    outcome: { status: string; detail: string } | null;
  }>;
  alerts: Array<{ kind: string; title: string; text: string; signal?: string }>;
  anomalies: unknown[];
  withoutGuardrail: { heapExhaustedAt: string } | null;
  leadTimeSeconds: number | null;
}
