/**
 * A range query's answer as the HTTP API gives it (`data.result` of a `matrix`): each series' labels,
 * and its [unix seconds, "value"] pairs. Checked, since a proxy or another server can answer
 * `status: success` with anything: a shape it is not is an error naming where, never a TypeError.
 */
import * as z from 'zod/mini';
import { fieldPath, StormguardError } from '../../core/errors.ts';
import '../../core/zod-messages.ts';

const matrixSchema = z.array(
  z.object({
    metric: z.optional(z.record(z.string(), z.string())),
    values: z.optional(z.array(z.tuple([z.union([z.number(), z.string()]), z.string()]))),
  }),
);
export type RangeResult = z.output<typeof matrixSchema>[number];

/** The matrix, or a PROMETHEUS_QUERY error naming the server, the signal and the field. */
export function checkedMatrix(result: unknown, where: string, signal: string): RangeResult[] {
  const matrix = matrixSchema.safeParse(result);
  if (matrix.success) return matrix.data;
  const issue = matrix.error.issues[0]!;
  throw new StormguardError(
    'PROMETHEUS_QUERY',
    `Prometheus at ${where} answered the query for ${signal} with a matrix not shaped as the HTTP API's (data.result${fieldPath(issue.path)}: ${issue.message})`,
  );
}
