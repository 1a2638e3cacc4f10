/**
 * The local notifier: alerts appended to a JSON lines file, one alert a line (the console gets
 * them through the command's own report).
 */
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Alert } from '../../core/alert.ts';
import type { Notifier } from '../../ports.ts';

export class JsonLinesNotifier implements Notifier {
  readonly name = 'alerts file';

  constructor(readonly path: string) {}

  async notify(alert: Alert): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await appendFile(this.path, `${JSON.stringify(alert)}\n`);
  }
}
