/**
 * `stormguard detect`: scores a `timestamp,value` CSV (NAB's format) point by point with the
 * guardrail's detector, writing `timestamp,value,anomaly_score`.
 *
 * Two passes over the file, streamed: the first reads times and values (16 bytes a row) to choose
 * the settings, the second scores each row and writes it as it goes. A 50 MB CSV (2 million rows)
 * took 2.2 GB when parsed whole with its output built as one string; streamed, memory grows with
 * the rows' numbers only. Files are read up to MAX_CSV_BYTES.
 */

import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { Command, Option } from 'commander';
import { CsvError, parse } from 'csv-parse';
import { z } from 'zod';
import { checkReadable, checkWritable, MAX_EXPORT_BYTES } from '../lambdas/adapters/local/files.ts';
import { newDetectorState, observe } from '../lambdas/core/detector.ts';
import { settingsForSeries } from '../lambdas/core/detector-settings.ts';
import { InputError } from '../lambdas/core/errors.ts';
import { nabScore } from '../lambdas/core/format.ts';
import { quote, readDecimal, readTime } from '../lambdas/core/input-bounds.ts';
import { type Io, parseOptions } from './io.ts';

export const optionsSchema = z.object({
  output: z.string().optional(),
  kind: z.enum(['auto', 'rate', 'count', 'percent']),
  direction: z.enum(['up', 'down', 'both']),
});

/** As for any export (files.ts): a file read twice, streamed, and never more than this. */
export const MAX_CSV_BYTES = MAX_EXPORT_BYTES;
/** No row of `timestamp,value` is near this long: a longer one is an unclosed quote swallowing the file. */
const MAX_ROW_BYTES = 4096;
/** Output is written in chunks of about this many characters. */
const CHUNK = 1 << 16;

export function detectCommand(io: Io): Command {
  return new Command('detect')
    .description('score a timestamp,value CSV: writes timestamp,value,anomaly_score')
    .argument('<input>', 'CSV with a header row: timestamp,value')
    .option('--output <file>', 'where to write the scores (default: standard output)')
    .addOption(
      new Option('--kind <kind>', 'rate and count are scored in log space, percent as is; auto: log space unless a value is negative')
        .choices(['auto', 'rate', 'count', 'percent'])
        .default('auto'),
    )
    .addOption(new Option('--direction <direction>', 'which deviations are anomalous').choices(['up', 'down', 'both']).default('both'))
    .action(async (input: string, raw: unknown) => {
      const options = parseOptions(optionsSchema, raw);
      // Read twice (settings, then scores): a pipe would be empty the second time, and read as no header.
      await checkReadable(input, MAX_CSV_BYTES, { readTwice: true });
      if (options.output) await checkWritable(options.output);
      const open = () => createReadStream(input);
      const series = await readSeries(open, input);
      const settings = settingsForSeries(series, options);
      const state = newDetectorState();
      const out = options.output
        ? await atomicFile(options.output)
        : { write: async (text: string) => io.out(text), commit: async () => {}, abandon: async () => {} };
      let chunk = 'timestamp,value,anomaly_score\n';
      try {
        await eachRow(open, input, (row) => {
          chunk += `${row.stamp},${row.raw},${nabScore(observe(state, settings, row.time, row.value)?.score ?? 0)}\n`;
          if (chunk.length < CHUNK) return;
          const full = chunk;
          chunk = '';
          return out.write(full);
        });
        await out.write(chunk);
        await out.commit();
      } catch (error) {
        await out.abandon();
        throw error;
      }
      const { gaps, duplicates, outOfOrder, invalid } = state.counts;
      if (gaps + duplicates + outOfOrder + invalid > 0) {
        io.err(
          `stormguard: ${input}: ${gaps} missing periods, ${duplicates} duplicate and ${outOfOrder} out-of-order timestamps (scored 0)\n`,
        );
      }
    });
}

interface Row {
  readonly stamp: string;
  readonly raw: string;
  readonly time: number;
  readonly value: number;
}

/** The times and values of a `timestamp,value` CSV, checked; `open` gives its bytes (a file, or a test's text). */
export async function readSeries(open: () => Readable, file: string): Promise<{ times: number[]; values: number[] }> {
  const times: number[] = [];
  const values: number[] = [];
  await eachRow(open, file, (row) => {
    times.push(row.time);
    values.push(row.value);
  });
  return { times, values };
}

/**
 * Visits the rows after the header, each checked: a time in ISO 8601 or `YYYY-MM-DD HH:MM:SS`
 * (UTC) within 2006..2100, a finite decimal value. A visit may return a promise (a write): it is awaited.
 */
async function eachRow(open: () => Readable, file: string, visit: (row: Row) => void | Promise<void>): Promise<void> {
  const parser = open().pipe(parse({ bom: true, info: true, skip_empty_lines: true, trim: true, max_record_size: MAX_ROW_BYTES }));
  let header = true;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (header) {
        if (record[0] !== 'timestamp' || record[1] !== 'value' || record.length !== 2)
          throw new InputError({ file, line: 1 }, 'expected the header `timestamp,value`');
        header = false;
        continue;
      }
      const [stamp = '', raw = ''] = record;
      const reading = readTime(stamp, 'none');
      if ('problem' in reading) throw new InputError({ file, line: info.lines }, reading.problem);
      const value = readDecimal(raw);
      if (value === undefined) throw new InputError({ file, line: info.lines }, `expected a finite decimal number, got ${quote(raw)}`);
      const pending = visit({ stamp, raw, time: reading.time, value });
      if (pending) await pending;
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as { lines?: number }).lines;
      throw new InputError({ file, ...(line ? { line } : {}) }, `not valid CSV: ${error.message}`);
    }
    throw error;
  } finally {
    parser.destroy();
  }
  if (header) throw new InputError({ file, line: 1 }, 'expected the header `timestamp,value`');
}

/** A file written whole or not at all: beside, then renamed on commit. */
async function atomicFile(
  path: string,
): Promise<{ write(text: string): Promise<void>; commit(): Promise<void>; abandon(): Promise<void> }> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${randomUUID()}.tmp`;
  const stream = createWriteStream(temporary);
  // A failed write (a full disk) is an 'error' event: kept, and thrown by the next write or the commit.
  let failure: Error | undefined;
  stream.on('error', (error) => {
    failure ??= error;
  });
  return {
    write: async (text) => {
      if (failure) throw failure;
      if (!stream.write(text)) await once(stream, 'drain');
    },
    commit: async () => {
      stream.end();
      await finished(stream);
      await rename(temporary, path);
    },
    abandon: async () => {
      stream.destroy();
      await rm(temporary, { force: true });
    },
  };
}
