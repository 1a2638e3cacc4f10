/**
 * `stormguard detect`: scores a `timestamp,value` CSV (NAB's format) point by point with the
 * guardrail's detector, writing `timestamp,value,anomaly_score`.
 */
import { Command, Option } from 'commander';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { scoreSeries } from '../lambdas/core/detector.ts';
import { settingsForSeries } from '../lambdas/core/detector-settings.ts';
import { InputError } from '../lambdas/core/errors.ts';
import { nabScore } from '../lambdas/core/format.ts';
import { readText, writeAtomically } from '../lambdas/adapters/local/files.ts';
import { type Io, parseOptions } from './io.ts';

const optionsSchema = z.object({
  output: z.string().optional(),
  kind: z.enum(['auto', 'rate', 'count', 'percent']),
  direction: z.enum(['up', 'down', 'both']),
});

export function detectCommand(io: Io): Command {
  return new Command('detect')
    .description('score a timestamp,value CSV: writes timestamp,value,anomaly_score')
    .argument('<input>', 'CSV with a header row: timestamp,value')
    .option('--output <file>', 'where to write the scores (default: standard output)')
    .addOption(new Option('--kind <kind>', 'rate and count are scored in log space, percent as is; auto: log space unless a value is negative').choices(['auto', 'rate', 'count', 'percent']).default('auto'))
    .addOption(new Option('--direction <direction>', 'which deviations are anomalous').choices(['up', 'down', 'both']).default('both'))
    .action(async (input: string, raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      const rows = readSeries(await readText(input), input);
      const settings = settingsForSeries({ times: rows.map((r) => r.time), values: rows.map((r) => r.value) }, options);
      const { scores, counts } = scoreSeries(settings, rows);
      const lines = ['timestamp,value,anomaly_score', ...rows.map((row, i) => `${row.stamp},${row.raw},${nabScore(scores[i]!)}`)];
      const text = `${lines.join('\n')}\n`;
      if (options.output) await writeAtomically(options.output, text);
      else io.out(text);
      const { gaps, duplicates, outOfOrder, invalid } = counts;
      if (gaps + duplicates + outOfOrder + invalid > 0) {
        io.err(`stormguard: ${input}: ${gaps} missing periods, ${duplicates} duplicate and ${outOfOrder} out-of-order timestamps (scored 0)\n`);
      }
    });
}

interface Row {
  readonly stamp: string;
  readonly raw: string;
  readonly time: number;
  readonly value: number;
}

function readSeries(text: string, file: string): Row[] {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { info: true, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new InputError({ file, ...(line ? { line } : {}) }, `not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = records;
  if (!header || header.record[0] !== 'timestamp' || header.record[1] !== 'value') {
    throw new InputError({ file, line: 1 }, 'expected the header `timestamp,value`');
  }
  return body.map(({ record, info }) => {
    const [stamp = '', raw = ''] = record;
    const time = Date.parse(stamp.includes('T') || stamp.endsWith('Z') ? stamp : `${stamp.replace(' ', 'T')}Z`);
    if (!Number.isFinite(time)) throw new InputError({ file, line: info.lines }, `expected a timestamp, got ${JSON.stringify(stamp)}`);
    const value = Number(raw);
    if (raw === '' || !Number.isFinite(value)) throw new InputError({ file, line: info.lines }, `expected a finite number, got ${JSON.stringify(raw)}`);
    return { stamp, raw, time, value };
  });
}

