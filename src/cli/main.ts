#!/usr/bin/env node
/** The sipflow command: commander wiring only; every command lives in commands/. */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { EXIT_USAGE, reportError } from './common.js';
import { registerCapinfo } from './commands/capinfo.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerCheck } from './commands/check.js';

const program = new Command();
program
  .name('sipflow')
  .description('SIP/RTP capture analyzer: Wireshark-exact call lists, ladder diagrams, HTML reports and CI flow checks')
  .version(VERSION, '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerAnalyze(program);
registerSnapshot(program);
registerCheck(program);
import { registerLadder } from './commands/ladder.js'; registerLadder(program);
import { registerReport } from './commands/report.js'; registerReport(program);
registerCapinfo(program);
import { registerProxy } from './commands/proxy.js'; registerProxy(program);

program.addHelpText('after', `
Exit codes: 0 success, 1 flow mismatch (check), 2 unusable input, 64 usage error.

Examples:
  $ sipflow analyze trace.pcapng
  $ sipflow analyze trace.pcapng --json
  $ sipflow capinfo trace.pcapng`);

process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version end through here with code 0.
    process.exitCode = e.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    process.exitCode = reportError(e);
  }
}
