/**
 * Asking one of the stack's Lambdas from the CLI (IAM): the request as JSON in, the answer read
 * against its schema. A failed function or an answer that is not one is a problem, never an answer.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Checker } from '../lambdas/core/errors.ts';

export type LambdaReply<T> = { readonly answer: T } | { readonly problem: string };

/** `what`: the function as a sentence names it ("gate"); `answerName`: what its answer is ("a gate answer"). */
export async function invokeLambda<T>(
  client: Pick<LambdaClient, 'send'>,
  functionName: string,
  request: unknown,
  schema: Checker<T>,
  names: { readonly what: string; readonly answerName: string },
): Promise<LambdaReply<T>> {
  // Loaded here: only the commands that ask AWS pay for the Lambda client's start-up.
  const { InvokeCommand } = await import('@aws-sdk/client-lambda');
  const output = await client.send(
    new InvokeCommand({ FunctionName: functionName, Payload: new TextEncoder().encode(JSON.stringify(request)) }),
  );
  const payload = output.Payload ? new TextDecoder().decode(output.Payload) : '';
  if (output.FunctionError) return { problem: `the ${names.what} Lambda failed (${output.FunctionError}): ${payload.slice(0, 300)}` };
  const answer = schema.safeParse(jsonOrUndefined(payload));
  return answer.success
    ? { answer: answer.data }
    : { problem: `the ${names.what} Lambda's answer is not ${names.answerName}: ${payload.slice(0, 300)}` };
}

function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
