/** The CLI as bin/stormguard.js runs it (the terminal's streams, the exit code), from the sources: for tests that spawn it. */
import { main } from '../../cli/main.ts';

process.exitCode = await main(process.argv.slice(2));
