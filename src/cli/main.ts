#!/usr/bin/env node
/** The sipflow command: commander wiring only; every command lives in commands/. */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { EXIT_USAGE, reportError } from './common.js';
import { registerCapinfo } from './commands/capinfo.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerSnapshot } from './commands/snapshot.js';
import { registerCheck } from './commands/check.js';
import { registerLadder } from './commands/ladder.js';
import { registerReport } from './commands/report.js';
import { registerProxy } from './commands/proxy.js';

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
registerLadder(program);
registerReport(program);
registerCapinfo(program);
registerProxy(program);

program.addHelpText('after', `
Exit codes: 0 success, 1 flow mismatch (check), 2 unusable input, 64 usage error,
69 no browser for PNG/PDF ladders.

Examples:
  $ sipflow analyze trace.pcapng                      call list and RTP streams
  $ sipflow analyze trace.pcapng --events             with each call's timeline
  $ sipflow analyze trace.pcapng --json               the JSON report
  $ sipflow ladder trace.pcapng --call 1              ladder of call 1 in the terminal
  $ sipflow ladder trace.pcapng --all --format png -o ladders/
  $ sipflow report trace.pcapng -o report.html        self-contained HTML report
  $ sipflow snapshot trace.pcapng -o trace.flow.yaml  expected flow to review
  $ sipflow check trace.pcapng                        compare with trace.flow.yaml
  $ sipflow check fixtures/ --junit junit.xml         every capture in a folder
  $ sipflow proxy --record lab.pcapng                 SIP proxy/registrar on 127.0.0.1:5060
  $ sipflow capinfo trace.pcapng                      capture facts only`);

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
