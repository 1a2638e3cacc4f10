/** Requests to the Lambda handlers (webhook, deploys, gate, ack), signed or not, encoded or not, edited; and the state the gate and ack read. */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { newGuardrailState } from '../../lambdas/core/state.ts';
import { T } from './bounds.ts';
import { jsonText } from './config-inputs.ts';
import { auditDocument, deployDocument, edits } from './format-inputs.ts';
import { applyEdits, applyTextEdits, textEdit } from './mutate.ts';

export const secret = 'fuzz-secret';
export const webhookRequest = fc
  .record({
    document: auditDocument,
    text: fc.option(fc.array(textEdit, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    signature: fc.constantFrom('good', 'good', 'good', 'bad', 'missing', 'odd'),
    base64: fc.boolean(),
  })
  .map(({ document, text, signature, base64 }) => {
    const raw = jsonText(document);
    const body = text ? applyTextEdits(raw, text) : raw;
    const bytes = Buffer.from(body, 'utf8');
    const good = createHmac('sha256', secret).update(bytes).digest('hex');
    const header =
      signature === 'good'
        ? good
        : signature === 'bad'
          ? good.replace(/^./, (c) => (c === '0' ? '1' : '0'))
          : signature === 'odd'
            ? 'zz'
            : undefined;
    return {
      body: base64 ? bytes.toString('base64') : body,
      isBase64Encoded: base64,
      headers: header === undefined ? {} : { 'x-ld-signature': header },
    };
  });

export const deploysRequest = fc
  .record({
    document: deployDocument,
    text: fc.option(fc.array(textEdit, { minLength: 1, maxLength: 2 }), { nil: undefined }),
    base64: fc.boolean(),
    huge: fc.nat({ max: 40 }),
  })
  .map(({ document, text, base64, huge }) => {
    const raw =
      huge === 0
        ? jsonText(Array.from({ length: 2000 }, () => document))
        : huge === 1
          ? `${'['.repeat(30_000)}${']'.repeat(30_000)}`
          : jsonText(document);
    const body = text ? applyTextEdits(raw, text) : raw;
    return { body: base64 ? Buffer.from(body).toString('base64') : body, isBase64Encoded: base64 };
  });

export const gateRequest = fc
  .record({
    base: fc.record({ flag: fc.constant('checkout'), environment: fc.constant('production'), targetPercent: fc.constantFrom(25, 5, 100) }),
    edits: edits(3),
  })
  .map(({ base, edits: e }) => applyEdits(base, e));

export const ackRequest = fc
  .record({
    base: fc.record({
      flag: fc.constantFrom('checkout', 'constructor'),
      environment: fc.constant('production'),
      by: fc.constant('sre'),
      reason: fc.constant('fixed in 2.14.1'),
    }),
    edits: edits(3),
  })
  .map(({ base, edits: e }) => applyEdits(base, e));

/** A gate state: evaluated, one flag frozen. */
export function gateState() {
  const state = newGuardrailState();
  state.evaluatedAt = T;
  state.freezes['checkout/production'] = {
    flag: 'checkout',
    environment: 'production',
    target: { kind: 'fallthrough' },
    percent: 1,
    since: T - 60_000,
    decisionId: 'd',
  };
  return state;
}
