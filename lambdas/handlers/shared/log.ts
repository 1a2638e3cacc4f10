/** A Lambda's log line: one JSON object (level, message, and what else it says), as CloudWatch Logs Insights reads it. */
export interface LogEntry {
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
  readonly [field: string]: unknown;
}

export function logLine(entry: LogEntry): void {
  console.log(JSON.stringify(entry));
}
