import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { EXIT_USAGE, reportError, UsageError } from '../common.js';
import { captureInputs } from '../inputs.js';

interface BrowseFlags {
  interface?: string;
  captureFilter?: string;
  hepListen?: string;
  maxCalls: string;
  ascii?: boolean;
  color?: boolean;
  rtpHeuristic?: boolean;
  all?: boolean;
}

export function registerBrowse(program: Command): void {
  program
    .command('browse')
    .description('interactive terminal browser: call list, call flow with each message, save calls (files, standard input, a live interface or HEP)')
    .argument('[files...]', 'pcap or pcapng files (several are merged), optionally gzip-compressed; "-" reads a live capture from standard input')
    .option('-i, --interface <iface>', 'capture live on this interface with dumpcap (or tcpdump) when installed')
    // Long only: -f is --format in every other command.
    .option('--capture-filter <bpf>', 'with -i: a capture filter, e.g. "port 5060 or portrange 10000-20000"')
    .option('--hep-listen <addr>', 'receive HEP/EEP (v1-v3) on udp:ADDR:PORT, as Kamailio siptrace, FreeSWITCH, Asterisk and heplify send it')
    .option('--max-calls <n>', 'live: calls kept with their messages; older ended calls are summarised (row kept, messages dropped)', '5000')
    .option('-a, --all', 'start with every dialog listed (registrations, OPTIONS...), as analyze --all; the a key toggles it')
    .option('--ascii', 'ASCII line drawing only')
    .option('--rtp-heuristic', 'also find RTP streams no SDP announced')
    .option('--no-color', 'no colours (NO_COLOR too)')
    .addHelpText('after', `
Keys: ? or F1 in the browser lists them all (Enter opens a call's flow, / filters, w saves, q backs out).

Examples:
  $ sipflow browse fixtures/proxy-transfer.pcapng
  $ tcpdump -i any -U -w - port 5060 or portrange 10000-20000 | sipflow browse -
  $ sipflow browse -i eth0 --capture-filter "port 5060"
  $ sipflow browse --hep-listen udp:0.0.0.0:9060`)
    .action(async (files: string[], flags: BrowseFlags) => {
      let code: number;
      try {
        code = await run(files, flags);
      } catch (e) {
        code = reportError(e);
      }
      // A live source may still hold a pending read (standard input, a FIFO, a socket) that nothing
      // can cancel: the user quit, so the process ends here (everything on screen was written synchronously).
      process.exit(code);
    });
}

async function run(files: string[], flags: BrowseFlags): Promise<number> {
  const { browse, FeedError, parseHepListen } = await import('../../browse/index.js');
  const maxCalls = Number(flags.maxCalls);
  if (!Number.isInteger(maxCalls) || maxCalls < 1) throw new UsageError(`--max-calls ${flags.maxCalls}: expected a whole number of calls, at least 1`);
  const sources = (files.length ? 1 : 0) + (flags.interface ? 1 : 0) + (flags.hepListen ? 1 : 0);
  if (sources !== 1) throw new UsageError('browse reads one source: FILE... or "-", or -i IFACE, or --hep-listen udp:ADDR:PORT');
  if (files.includes('-') && files.length > 1) throw new UsageError('standard input ("-") cannot be merged with files');
  let spec: import('../../browse/index.js').FeedSpec;
  try {
    if (flags.hepListen) spec = { kind: 'hep', ...parseHepListen(flags.hepListen) };
    else if (flags.interface) spec = { kind: 'iface', iface: flags.interface, filter: flags.captureFilter };
    else if (files[0] === '-') spec = { kind: 'stdin' };
    else {
      const expanded = await captureInputs(files, { command: 'browse' });
      if (expanded.code) return expanded.code;
      const paths = expanded.inputs.map((i) => i.path);
      for (const p of paths) await stat(p);
      spec = { kind: 'files', paths };
    }
  } catch (e) {
    if (e instanceof FeedError) { process.stderr.write(`sipflow: ${e.message}\n`); return e.exitCode; }
    throw e;
  }
  const color = flags.color !== false && !(process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '');
  try {
    return await browse({ spec, color, ascii: !!flags.ascii, maxCalls, heuristic: flags.rtpHeuristic, all: !!flags.all });
  } catch (e) {
    if (e instanceof FeedError) { process.stderr.write(`sipflow: ${e.message}\n`); return e.exitCode; }
    if (e instanceof Error && /needs a terminal/.test(e.message)) { process.stderr.write(`sipflow: ${e.message}\n`); return EXIT_USAGE; }
    throw e;
  }
}
