/** The sipflow program: commander wiring only; every command lives in commands/ (main.ts is the entry). */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { EXIT_USAGE, reportError } from './common.js';

/**
 * Each command's module, loaded only when that command runs: `analyze` does
 * not load the proxy's SQLite store, the YAML parser of check or the ladder
 * rasteriser. Listed in the order --help shows them.
 */
const COMMANDS: Record<string, () => Promise<(p: Command) => void>> = {
  analyze: async () => (await import('./commands/analyze.js')).registerAnalyze,
  snapshot: async () => (await import('./commands/snapshot.js')).registerSnapshot,
  check: async () => (await import('./commands/check.js')).registerCheck,
  ladder: async () => (await import('./commands/ladder.js')).registerLadder,
  report: async () => (await import('./commands/report.js')).registerReport,
  audio: async () => (await import('./commands/audio.js')).registerAudio,
  extract: async () => (await import('./commands/extract.js')).registerExtract,
  capinfo: async () => (await import('./commands/capinfo.js')).registerCapinfo,
  proxy: async () => (await import('./commands/proxy.js')).registerProxy,
  browse: async () => (await import('./commands/browse.js')).registerBrowse,
};

/** The commands to register for this command line: the one named, none for --version alone, else all (help, errors). */
function commandsFor(argv: string[]): string[] {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first !== undefined && first in COMMANDS) return [first];
  if (first === undefined && argv.length > 0 && argv.every((a) => a === '-V' || a === '--version')) return [];
  return Object.keys(COMMANDS);
}

const program = new Command();
program
  .name('sipflow')
  .description('SIP/RTP capture analyzer: Wireshark-exact call lists, ladder diagrams, HTML reports and CI flow checks')
  .version(VERSION, '-V, --version')
  // Commander's own errors (unknown option, bad choice, a value a checked option refuses) as one line like sipflow's:
  // its "(Did you mean --json?)" comes on a second line, folded in here.
  .configureOutput({ outputError: (str, write) => write(`sipflow: ${str.replace(/^error: /, '').trim().replace(/\s*\n\s*\(Did you mean/g, ' (did you mean').replace(/\s*\n\s*/g, ' ')} (see --help)\n`) })
  .exitOverride();

for (const name of commandsFor(process.argv.slice(2))) (await COMMANDS[name]!())(program);

program.addHelpText('after', `
Exit codes: 0 success, 1 flow mismatch (check), 2 unusable input, 64 usage error,
69 no browser for PNG/PDF ladders (or no dumpcap/tcpdump for browse -i).

Examples:
  $ sipflow analyze trace.pcapng                      call list and RTP streams
  $ sipflow analyze trace.pcapng --events             with each call's timeline
  $ sipflow analyze trace.pcapng --json               the JSON report
  $ sipflow ladder trace.pcapng --call 1              ladder of call 1 in the terminal
  $ sipflow ladder trace.pcapng --all --format png -o ladders/
  $ sipflow report trace.pcapng -o report.html        self-contained HTML report
  $ sipflow audio trace.pcapng -o audio/              one stereo WAV per call, with MOS
  $ sipflow snapshot trace.pcapng -o trace.flow.yaml  expected flow to review
  $ sipflow check trace.pcapng                        compare with trace.flow.yaml
  $ sipflow check fixtures/ --junit junit.xml         every capture in a folder
  $ sipflow proxy --record lab.pcapng                 SIP proxy/registrar on 127.0.0.1:5060
  $ sipflow extract trace.pcapng --call 2 -o c2.pcapng call 2's SIP and media, as captured
  $ sipflow capinfo trace.pcapng                      capture facts only
  $ sipflow browse trace.pcapng                       browse calls, flows and messages in the terminal`);

process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); });

// (A capture read from a terminal's standard input is announced by inputs.ts noteStdin, once the options are checked.)

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
