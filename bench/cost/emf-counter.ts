/**
 * The handler's stdout while it runs: its bytes (CloudWatch Logs ingestion) and, from its embedded
 * metric format lines, the custom metrics it publishes, those with a Cluster dimension apart.
 */
export class EmfCounter {
  readonly customMetrics = new Set<string>();
  readonly clusterMetrics = new Set<string>();
  logBytes = 0;

  /** Runs `run` with stdout counted (and not printed). */
  async counting<T>(run: () => Promise<T>): Promise<T> {
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => this.count(chunk)) as typeof process.stdout.write;
    try {
      return await run();
    } finally {
      process.stdout.write = write;
    }
  }

  private count(chunk: string | Uint8Array): boolean {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    this.logBytes += Buffer.byteLength(text);
    for (const line of text.split('\n')) {
      if (!line.startsWith('{"_aws"')) continue;
      const emf = JSON.parse(line) as {
        _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> };
      } & Record<string, unknown>;
      for (const { Namespace, Dimensions, Metrics: names } of emf._aws.CloudWatchMetrics) {
        const dims = (Dimensions[0] ?? []).map((d) => `${d}=${String(emf[d])}`).join(',');
        for (const { Name } of names)
          ((Dimensions[0] ?? []).includes('Cluster') ? this.clusterMetrics : this.customMetrics).add(`${Namespace}/${Name}/${dims}`);
      }
    }
    return true;
  }
}
