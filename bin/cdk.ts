/**
 * The CDK app (cdk.json "app"): one guardrail from stormguard.config.yaml, or the file named by
 * STORMGUARD_CONFIG_FILE. Alert e-mails, comma separated, from STORMGUARD_ALERT_EMAILS.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../lambdas/core/errors.ts';
import { stormguardApp } from '../lib/app.ts';

const source = process.env.STORMGUARD_CONFIG_FILE ?? 'stormguard.config.yaml';
let configText: string;
try {
  configText = readFileSync(source, 'utf8');
} catch {
  console.error(`stormguard: ${source}: no such file (see docs/deploy.md)`);
  process.exit(2);
}
const emails = process.env.STORMGUARD_ALERT_EMAILS?.split(',')
  .map((e) => e.trim())
  .filter(Boolean);
try {
  stormguardApp({ configText, configSource: source, ...(emails ? { alertEmails: emails } : {}) }).app.synth();
} catch (error) {
  if (!(error instanceof InputError)) throw error;
  console.error(`stormguard: ${error.message}`);
  process.exit(2);
}
