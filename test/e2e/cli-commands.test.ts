import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import type { AckAnswer } from '../../lambdas/handlers/ack.ts';
import { newFolder, stormguard } from '../support/cli.ts';

describe('stormguard detect', () => {
  it('writes timestamp,value,anomaly_score, high at a spike and low elsewhere (NAB format)', async () => {
    const folder = await newFolder();
    const input = join(folder, 'series.csv');
    const rows = Array.from(
      { length: 400 },
      (_, i) =>
        `2014-04-01 ${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00,${i === 300 ? 90 : 40 + Math.sin(i)}`,
    );
    await writeFile(input, `timestamp,value\n${rows.join('\n')}\n`);
    const output = join(folder, 'scores.csv');
    const { code } = await stormguard('detect', input, '--output', output);
    expect(code).toBe(0);
    const lines = (await readFile(output, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('timestamp,value,anomaly_score');
    expect(lines).toHaveLength(401);
    const scores = lines.slice(1).map((l) => Number(l.split(',')[2]));
    expect(lines[301]).toMatch(/^2014-04-01 05:00:00,90,/);
    expect(scores[300]).toBeGreaterThan(0.9);
    expect(Math.max(...scores.slice(0, 300))).toBeLessThan(0.5);
  });

  it('reads a CSV that starts with a byte-order mark', async () => {
    const input = join(await newFolder(), 'bom.csv');
    await writeFile(
      input,
      `\uFEFFtimestamp,value\n${Array.from({ length: 30 }, (_, i) => `2014-04-01 00:${String(i).padStart(2, '0')}:00,${i}`).join('\n')}\n`,
    );
    const { code } = await stormguard('detect', input, '--output', join(await newFolder(), 'scores.csv'));
    expect(code).toBe(0);
  });

  it('names the line of a value that is not a number', async () => {
    const input = join(await newFolder(), 'bad.csv');
    await writeFile(input, 'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:01:00,NaN\n');
    const { code, err } = await stormguard('detect', input);
    expect(code).toBe(2);
    expect(err).toBe(`stormguard: ${input}, line 3: expected a finite decimal number, got "NaN"\n`);
  });

  it('refuses a value Number() reads but nobody wrote in decimal: 0x10 is not 16', async () => {
    const input = join(await newFolder(), 'hex.csv');
    await writeFile(input, 'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,0x10\n');
    expect(await stormguard('detect', input)).toMatchObject({
      code: 2,
      err: `stormguard: ${input}, line 3: expected a finite decimal number, got "0x10"\n`,
    });
  });

  it('names the header it expected', async () => {
    const input = join(await newFolder(), 'bad.csv');
    await writeFile(input, 'time,val\n1,2\n');
    expect((await stormguard('detect', input)).err).toMatch(/line 1: expected the header `timestamp,value`/);
  });
});

describe('stormguard simulate', () => {
  it("writes a scenario's exports in the formats replay reads, and replay reads them", async () => {
    const out = join(await newFolder(), 'storm');
    expect((await stormguard('simulate', '--scenario', 'pagerduty-2025', '--out', out, '--seed', '7')).code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['launchdarkly-audit-log.json', 'metrics-page-1.json', 'metrics-page-2.json']);
    const page = JSON.parse(await readFile(join(out, 'metrics-page-1.json'), 'utf8'));
    expect(page.NextToken).toBeTypeOf('string');
    expect(page.MetricDataResults[0]).toMatchObject({
      Id: 'm0',
      StatusCode: 'PartialData',
      Label: expect.stringMatching(/Cluster Name=events-msk, Broker ID=1$/),
    });
    const replay = await stormguard(
      'replay',
      '--metrics',
      join(out, 'metrics-page-1.json'),
      join(out, 'metrics-page-2.json'),
      '--timeline',
      join(out, 'launchdarkly-audit-log.json'),
      '--state',
      join(out, 'state'),
      '--json',
    );
    expect(JSON.parse(replay.out).decisions.filter((d: { action: string }) => d.action === 'rollback')).toHaveLength(1);
  });

  it('asks for a scenario', async () => {
    const { code, err } = await stormguard('simulate', '--out', await newFolder());
    expect(code).toBe(2);
    expect(err).toMatch(/name a scenario, or pass --all/);
  });
});

describe('output paths are checked before the work (a stack trace after it, and a .tmp left, once)', () => {
  it('replay --report and detect --output naming a folder: exit 2, and nothing of the run written', async () => {
    const folder = await newFolder();
    await mkdir(join(folder, 'adir'));
    const expected = { code: 2, err: `stormguard: ${join(folder, 'adir')}: is a directory, expected a file\n` };
    expect(await stormguard('replay', '--report', join(folder, 'adir'), '--state', join(folder, 'state'))).toMatchObject(expected);
    const csv = join(folder, 'ok.csv');
    await writeFile(csv, 'timestamp,value\n2014-04-01 00:00:00,1\n');
    expect(await stormguard('detect', csv, '--output', join(folder, 'adir'))).toMatchObject(expected);
    expect((await readdir(folder)).sort()).toEqual(['adir', 'ok.csv']);
  });

  it('simulate --out onto an earlier export refuses unless --force, and a file is no folder', async () => {
    const out = await newFolder();
    await writeFile(join(out, 'metrics-page-1.json'), 'mine');
    const simulate = (...extra: string[]) => stormguard('simulate', '--scenario', 'traffic-surge', ...extra);
    expect(await simulate('--out', out)).toMatchObject({
      code: 2,
      err: `stormguard: ${join(out, 'metrics-page-1.json')}: exists: name a new or empty folder with --out, or pass --force to replace the export there\n`,
    });
    expect([await readFile(join(out, 'metrics-page-1.json'), 'utf8'), await readdir(out)]).toEqual(['mine', ['metrics-page-1.json']]);
    expect((await simulate('--out', out, '--force')).code).toBe(0);
    expect(await readdir(out)).toHaveLength(3);
    const file = join(out, 'metrics-page-1.json');
    expect(await simulate('--out', file, '--force')).toMatchObject({
      code: 2,
      err: `stormguard: ${join(file, 'metrics-page-1.json')}: ${file} is a file, not a folder\n`,
    });
  });
});

describe('stormguard ack', () => {
  /** `stormguard ack` for the flag the bundled storm's rollback froze, on the state folder `state`. */
  const ackCheckout = (state: string, ...options: string[]) =>
    stormguard('ack', '--flag', 'checkout-producer-per-request', '--env', 'production', '--state', state, ...options);

  it('lifts the freeze a rollback left', async () => {
    const state = join(await newFolder(), 'state');
    await stormguard('replay', '--state', state, '--json');
    const noReason = await ackCheckout(state, '--reason', ' ');
    expect(noReason.code).toBe(2);
    expect(noReason.err).toMatch(/field `--reason`: say why/);
    const ack = await ackCheckout(state, '--by', 'priya', '--reason', 'producer pooling fixed in 2.4.1');
    expect(ack.code).toBe(0);
    expect(ack.out).toMatch(/freeze at 0% .* acknowledged by priya: producer pooling fixed in 2.4.1/);
    const kept = JSON.parse(await readFile(join(state, 'state.json'), 'utf8'));
    expect(kept.acknowledgements).toMatchObject([
      { flag: 'checkout-producer-per-request', by: 'priya', reason: 'producer pooling fixed in 2.4.1', percent: 0 },
    ]);
    const again = await ackCheckout(state, '--reason', 'again');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/is not frozen/);
  });

  it("with --rule, lifts that rule's freeze only", async () => {
    const state = join(await newFolder(), 'state');
    await stormguard('replay', '--scenario', 'storm-behind-rule', '--state', state, '--json');
    const other = await ackCheckout(state, '--rule', 'fallthrough', '--reason', 'not this one');
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/checkout-producer-per-request \(fallthrough\) in production is not frozen/);
    expect((await ackCheckout(state, '--rule', 'rule-eu', '--reason', 'EU pooling fixed')).code).toBe(0);
    expect(JSON.parse(await readFile(join(state, 'state.json'), 'utf8')).freezes).toEqual({});
  });

  it('in AWS, asks the acknowledge Lambda and prints what it lifted; a flag not frozen exits 1 with its reason', async () => {
    const sent: unknown[] = [];
    const answers: AckAnswer[] = [
      {
        acknowledged: true,
        acknowledgements: [
          { flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed', time: 0, decisionId: 'd1', percent: 1 },
          {
            ...{ flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed', time: 0, decisionId: 'd2', percent: 5 },
            target: { kind: 'rule', ruleId: 'rule-eu', label: 'EU customers' },
          },
        ],
      },
      { acknowledged: false, reason: 'storm in production is not frozen' },
    ];
    const lambda = {
      send: async (command: InvokeCommand) => {
        sent.push(JSON.parse(new TextDecoder().decode(command.input.Payload as Uint8Array)));
        return { StatusCode: 200, Payload: new TextEncoder().encode(JSON.stringify(answers.shift())) };
      },
    } as unknown as LambdaClient;
    const run = async () => {
      let out = '';
      let err = '';
      const io = { out: (t: string) => void (out += t), err: (t: string) => void (err += t), interactive: false };
      const code = await main(
        ['ack', '--flag', 'storm', '--env', 'production', '--function', 'stormguard-ack', '--by', 'priya', '--reason', 'fixed'],
        io,
        { ack: { lambda: () => lambda, now: () => 0 } },
      );
      return { code, out, err };
    };
    expect(await run()).toMatchObject({
      code: 0,
      out:
        'storm in production: freeze at 1% (decision d1) acknowledged by priya: fixed\n' +
        'storm rule "EU customers" (rule-eu) in production: freeze at 5% (decision d2) acknowledged by priya: fixed\n',
    });
    expect(sent[0]).toEqual({ flag: 'storm', environment: 'production', by: 'priya', reason: 'fixed' });
    expect(await run()).toMatchObject({ code: 1, err: 'stormguard: storm in production is not frozen\n' });
    // An answer it cannot read is a failure, never a lift.
    answers.push({ acknowledged: true } as unknown as AckAnswer);
    expect(await run()).toMatchObject({
      code: 1,
      out: '',
      err: expect.stringMatching(/^stormguard: the acknowledge Lambda's answer is not an acknowledgement/),
    });
  });
});
