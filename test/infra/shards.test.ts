/**
 * A fleet too big for one detector run: the construct splits the clusters into shards as the
 * detector does (core/shards.ts), one schedule each naming its shard, and enough concurrency for
 * all of them at once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, readConfigText } from '../../lambdas/core/config.ts';
import { planShards } from '../../lambdas/core/shards.ts';
import { StormguardGuardrail } from '../../lib/guardrail.ts';

const root = join(import.meta.dirname, '../..');
const context = JSON.parse(readFileSync(join(root, 'cdk.json'), 'utf8')).context as Record<string, unknown>;
const clusters = Array.from({ length: 7 }, (_, i) => `msk-${i}`);
// 30 brokers × 7 signals = 210 series a cluster; 420 a shard: two clusters a shard, four shards.
const configText = `clusters: [${clusters.join(', ')}]\nshards: { maxSeries: 420, brokersPerCluster: 30 }\n`;

let template: Template;
beforeAll(() => {
  const app = new App({ context });
  const stack = new Stack(app, 'Sharded', { env: { account: '123456789012', region: 'eu-west-1' } });
  new StormguardGuardrail(stack, 'Guardrail', { config: readConfigText(configText) });
  template = Template.fromStack(stack);
}, 120_000);

describe('the guardrail over a fleet split into shards', () => {
  it('splits the clusters in their order, as many to a shard as fit', () => {
    expect(planShards(parseConfig(configText)).map((s) => s.clusters)).toEqual([
      ['msk-0', 'msk-1'],
      ['msk-2', 'msk-3'],
      ['msk-4', 'msk-5'],
      ['msk-6'],
    ]);
    expect(planShards(parseConfig('clusters: [a, b]\n'))).toEqual([{ id: '0', clusters: ['a', 'b'] }]);
  });

  it('runs the detector every minute for each shard, the event naming the shard, with room for all at once', () => {
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    expect(rules).toHaveLength(4);
    const inputs = rules.map((r) =>
      JSON.parse(
        (
          r as { Properties: { Targets: Array<{ InputTransformer: { InputTemplate: string } }> } }
        ).Properties.Targets[0]!.InputTransformer.InputTemplate.replace('<time>', '"T"'),
      ),
    );
    expect(inputs.map((i) => i.shard).sort()).toEqual(['0', '1', '2', '3']);
    for (const rule of rules)
      expect((rule as { Properties: { ScheduleExpression: string } }).Properties.ScheduleExpression).toBe('rate(1 minute)');
    template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 5 });
  });
});
