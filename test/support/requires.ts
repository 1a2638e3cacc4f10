/**
 * Tests that need something from outside the repository (a browser, a vendored file a partial
 * checkout may lack) say so with `requires`. Outside CI, when the prerequisite is missing, the
 * tests skip and one line says why and how to get it. In CI (`CI` set, as .ci/run does), a missing
 * prerequisite is an error: a run that skipped the browser or the contract tests must not pass.
 *
 *   describe.skipIf(!requires('Chromium', existsSync(CHROMIUM), 'apt-get install chromium, or set CHROMIUM_PATH'))(…)
 */
const said = new Set<string>();

export const inCi = (): boolean => {
  const ci = process.env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
};

/** True when `available`; else throws in CI, or prints the reason once and returns false (skip). */
export function requires(what: string, available: boolean, how: string): boolean {
  if (available) return true;
  const reason = `${what} is missing: ${how}`;
  if (inCi()) throw new Error(`${reason} (CI is set, so this is an error, not a skip)`);
  if (!said.has(what)) {
    said.add(what);
    process.stderr.write(`skipped: the tests that need ${what}, which is missing: ${how}\n`);
  }
  return false;
}
