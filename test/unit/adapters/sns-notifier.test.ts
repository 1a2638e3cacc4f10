/** The SNS alert topic's message: within what SNS takes. */
import { describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../../lambdas/adapters/sns/notifier.ts';
import type { Alert } from '../../../lambdas/core/alert.ts';

const page: Alert = {
  key: 'episode/e',
  id: 'a1',
  kind: 'episode',
  severity: 'critical',
  time: Date.parse('2025-08-28T14:01:00Z'),
  title: 'rolled back',
  text: 'evidence',
};

describe('the SNS message', () => {
  it('is cut within the 256 KB SNS takes, title and links kept', async () => {
    const sent: Array<{ Message?: string }> = [];
    const client = { send: async (command: { input: { Message?: string } }) => void sent.push(command.input) };
    const sns = new SnsNotifier(client as never, 'arn:aws:sns:eu-west-1:123456789012:alerts');
    await sns.notify({ ...page, text: '€'.repeat(300_000), links: [{ href: 'https://example.com/report', text: 'Report' }] });
    const message = sent[0]!.Message!;
    expect(Buffer.byteLength(message)).toBeLessThan(256 * 1024);
    expect(message.startsWith('rolled back\n\n€')).toBe(true);
    expect(message.endsWith('…\nReport: https://example.com/report')).toBe(true);
  });
});
