/**
 * LaunchDarkly's refusals as the FlagController reports them: a LaunchDarklyError is an outcome
 * ("failed", with why), never a crash; the status and LaunchDarkly's own reason are kept.
 */
import { StormguardError } from '../../core/errors.ts';

export class LaunchDarklyError extends StormguardError {
  constructor(message: string) {
    super('LAUNCHDARKLY', message);
  }
}

export function refuseUnless(response: Response, expected: number, doing: string): void {
  if (response.status === expected) return;
  if (response.status === 401 || response.status === 403) {
    throw new LaunchDarklyError(
      `LaunchDarkly refused the API token while ${doing} (${response.status}): check the token's secret and its role (it needs writer access to the flag)`,
    );
  }
  throw new LaunchDarklyError(`LaunchDarkly answered ${response.status} while ${doing}`);
}

export async function reason(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const { message, code } = JSON.parse(text) as { message?: string; code?: string };
    return [code, message].filter(Boolean).join(': ') || text.slice(0, 200);
  } catch {
    return text.slice(0, 200);
  }
}
