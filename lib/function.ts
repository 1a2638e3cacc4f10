/**
 * One Lambda of the guardrail, from its prebuilt bundle (scripts/bundle-lambdas.mjs): Node 24,
 * ARM64, its own log group and its own role, which may write only to that log group.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { InputError } from '../lambdas/core/errors.ts';

/**
 * The prebuilt bundle of a handler: dist/lambda/<name>, beside dist/lib/ in the package, or under
 * the repository's dist/ when this file runs from source (the tests and the repository's CDK app;
 * `npm run build` makes it, and the test setup rebuilds it).
 */
export function lambdaBundle(name: string): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = basename(dirname(here)) === 'dist' ? dirname(dirname(here)) : dirname(here);
  const folder = join(root, 'dist', 'lambda', name);
  if (!existsSync(join(folder, 'index.mjs'))) throw new InputError({ file: folder }, 'no Lambda bundle here (run `npm run build` first)');
  return folder;
}

/** A Lambda from its prebuilt bundle, with its own log group and its own role, which may write only to that log group; grants are added by the caller. */
export function newFunction(
  scope: Construct,
  id: string,
  handler: string,
  retention: logs.RetentionDays,
  options: { timeout: Duration; environment: Record<string, string>; reservedConcurrentExecutions?: number } & Pick<
    lambda.FunctionOptions,
    'vpc' | 'vpcSubnets' | 'securityGroups' | 'retryAttempts' | 'maxEventAge'
  >,
): lambda.Function {
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, { retention });
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Stormguard ${id.toLowerCase()} (${scope.node.path})`,
  });
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] }));
  return new lambda.Function(scope, id, {
    code: lambda.Code.fromAsset(lambdaBundle(handler)),
    handler: 'index.handler',
    runtime: lambda.Runtime.NODEJS_24_X,
    architecture: lambda.Architecture.ARM_64,
    memorySize: 512,
    role,
    logGroup,
    ...options,
  });
}
