/** The sipflow program: commander wiring only; every command lives in commands/ (main.ts is the entry). */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { EXIT_USAGE, helpExamples, reportError } from './common.js';

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

Examples, on the captures in the fixtures/ folder of sipflow's sources:
${helpExamples([
  ['sipflow analyze fixtures/call-completed.pcapng', 'call list and RTP streams'],
  ['sipflow analyze fixtures/proxy-transfer.pcapng -e', "with each call's timeline"],
  ['sipflow analyze fixtures/call-busy.pcapng --json', 'the JSON report'],
  ['sipflow ladder fixtures/proxy-call.pcapng -c 2', 'ladder of call 2'],
  ['sipflow ladder fixtures/proxy-call.pcapng -a -f png -o ladders/', 'one PNG per dialog'],
  ['sipflow report fixtures/call-completed.pcapng -o report.html', 'self-contained HTML page'],
  ['sipflow audio fixtures/call-completed.pcapng -o audio/', 'WAV per call, with MOS'],
  ['sipflow snapshot fixtures/call-busy.pcapng -o busy.flow.yaml', 'expected flow to review'],
  ['sipflow check fixtures/call-busy.pcapng', 'compare with its flow'],
  ['sipflow check fixtures/ --junit junit.xml', 'every capture in a folder'],
  ['sipflow proxy --record lab.pcapng', 'proxy on 127.0.0.1:5060'],
  ['sipflow extract fixtures/proxy-call.pcapng -c 2 -o c2.pcapng', "call 2's SIP and media"],
  ['sipflow capinfo fixtures/call-completed.pcapng', 'capture facts only'],
  ['sipflow browse fixtures/proxy-transfer.pcapng', 'browse interactively'],
])}`);

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
