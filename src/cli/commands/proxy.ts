import type { Command } from 'commander';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Option } from 'commander';
import { EXIT_USAGE, UsageError } from '../common.js';
import { checkedBy, intArg, numArg } from '../options.js';
import { endpoint } from '../../net/addr.js';
import { terminalText } from '../../render/escape.js';
import { checkAdvertise, DEFAULT_REGISTRATIONS_HELP, defaultRegistrationsFile, explainStartError, parseAlgorithms, parseListen, parsePortRange, parseReason, startProxy, type RunningProxy } from '../../proxy/index.js';
import { udpSocketDrops } from '../../proxy/socket-drops.js';

interface ProxyFlags {
  listen: string;
  advertise?: string;
  domain?: string;
  users?: string;
  realm?: string;
  /** A file, false with --no-db, absent for the default file. */
  db?: string | false;
  record?: string;
  force?: boolean;
  rotateSize?: number;
  rotateTime?: number;
  link: 'ethernet' | 'raw';
  journal?: string;
  journalFormat: 'text' | 'json';
  quiet?: boolean;
  reason: string[];
  mediaRelay?: boolean;
  relayPorts: string;
  maxTransactions?: number;
  maxCalls?: number;
  maxCallsPerSource?: number;
  sessionTime?: number;
  allowRelay?: boolean;
  digestAlgorithms?: string;
  timerT1?: number;
  stats?: number;
}

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description('run a SIP proxy and registrar on UDP that records what it handles as pcapng and logs call events')
    .addOption(new Option('-l, --listen <addr>', 'UDP address and port to listen on (host:port, [v6]:port; port 1 to 65535, 0 for any free one)').default('127.0.0.1:5060').argParser(checkedBy(parseListen)))
    .addOption(new Option('--advertise <ip>', 'IP address written in Via, Record-Route and relayed SDP (default: the listen address)').argParser(checkedBy(checkAdvertise)))
    .option('-d, --domain <domain>', 'SIP domain served: requests for user@domain are looked up among registrations')
    .option('-u, --users <file>', 'users file ("user:password" lines): digest authentication of every request from outside a dialog (401 REGISTER, 407 others); no relaying to other domains')
    .option('--allow-relay', 'with --users: authenticated users may send requests to other domains (otherwise 403)')
    .option('--digest-algorithms <list>', 'digest challenges offered, in order of preference: SHA-256,MD5 (default), MD5,SHA-256 for clients that read only the first (sipp 3.6), or one of them')
    .option('--realm <realm>', 'digest realm (default: the domain, else "sipflow")')
    .option('--db <file>', `SQLite file keeping registrations across restarts (default: ${DEFAULT_REGISTRATIONS_HELP}; its folder is created)`)
    .option('--no-db', 'keep registrations in memory only (nothing written)')
    .option('--record <file>', 'write every datagram received and sent (and relayed RTP) to this pcapng file (its folder is created; an existing file is never overwritten: FILE.1.pcapng... is used instead)')
    .option('--force', 'with --record: replace the trace file when it exists')
    .addOption(new Option('--rotate-size <MiB>', 'start a new trace file when the current one reaches this size (MiB)').argParser(numArg(0, 1e6, 'a size in MiB', true)))
    .addOption(new Option('--rotate-time <S>', 'start a new trace file every S seconds').argParser(numArg(0, 1e8, 'seconds', true)))
    .addOption(new Option('--link <type>', 'link-layer framing of recorded packets').choices(['ethernet', 'raw']).default('ethernet'))
    .option('--journal <file>', 'append call events to this file (they always go to stderr too, unless --quiet)')
    .addOption(new Option('--journal-format <format>', 'journal line format').choices(['text', 'json']).default('text'))
    .option('-q, --quiet', 'no journal lines on stderr (the start line, which names the trace file, is still printed)')
    .option('--reason <code=text>', 'reason phrase for a status code in every response sent, e.g. 200="OK - pohoda" (repeatable)',
      (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--media-relay', 'rewrite SDP so RTP flows through the proxy, relay it and record it')
    // Checked whether or not --media-relay is given: a bad range is a typo to report now, not when the relay is turned on.
    .addOption(new Option('--relay-ports <low-high>', 'UDP port range for the media relay, within 1024-65535 (pairs: RTP even, RTCP odd)').default('30000-30100').argParser(checkedBy(parsePortRange)))
    .addOption(new Option('--max-transactions <n>', 'most transactions kept at once (503 beyond)').argParser(intArg(1, 1e8, 'transactions')))
    .addOption(new Option('--max-calls <n>', 'most calls followed at once (503 to new INVITEs beyond; default 20000)').argParser(intArg(1, 1e8, 'calls')))
    .addOption(new Option('--max-calls-per-source <n>', 'most open calls from one source address (503 beyond; default a quarter of --max-calls)').argParser(intArg(1, 1e8, 'calls')))
    .addOption(new Option('--session-time <S>', 'forget an established call with no request for S seconds, unless RFC 4028 session timers set it (default 7200)').argParser(numArg(0, 1e8, 'seconds', true)))
    .addOption(new Option('--timer-t1 <ms>', 'RFC 3261 T1, the round-trip estimate behind every retransmission timer and the 64×T1 lifetimes (default 500)').argParser(numArg(0, 1e7, 'milliseconds', true)))
    .addOption(new Option('--stats <S>', 'print a statistics line (messages, transactions, calls, memory) every S seconds').argParser(numArg(0, 1e8, 'seconds', true)))
    .addHelpText('after', `
Stop with Ctrl-C (SIGINT) or SIGTERM: the trace is closed and stays valid; even
a crash leaves a readable file (every packet is written whole, synchronously).
The start line says where registrations are kept.

Examples:
  $ sipflow proxy --listen 127.0.0.1:5060 --domain lab.local --record lab.pcapng
  $ sipflow proxy --users users.txt --reason 200="OK - pohoda" --journal calls.log
  $ sipflow proxy --media-relay --relay-ports 30000-30100 --record call.pcapng --no-db
  $ sipflow analyze lab.pcapng --events`)
    .action(async (flags: ProxyFlags) => {
      let running: RunningProxy;
      let statsS: number | undefined;
      try {
        // Every option is checked before the socket is bound: a usage error never leaves a proxy running.
        statsS = flags.stats;
        const reasons: Record<number, string> = {};
        for (const r of flags.reason) { const [c, t] = parseReason(r); reasons[c] = t; }
        const { maxTransactions: mt, maxCalls: mc, maxCallsPerSource: mcs, sessionTime: session, timerT1: t1 } = flags;
        let digestAlgorithms;
        try {
          digestAlgorithms = flags.digestAlgorithms === undefined ? undefined : parseAlgorithms(flags.digestAlgorithms);
        } catch (e) { throw new UsageError((e as Error).message); }
        if (flags.allowRelay && !flags.users) throw new UsageError('--allow-relay needs --users: without authentication the proxy relays for anyone already');
        if (flags.force && !flags.record) throw new UsageError('--force goes with --record');
        running = await startProxy({
          listen: flags.listen, advertise: flags.advertise, domain: flags.domain ?? null, usersFile: flags.users ?? null,
          realm: flags.realm, db: flags.db === false ? null : flags.db ?? defaultRegistrationsFile(), record: flags.record ?? null, force: !!flags.force,
          allowRelay: !!flags.allowRelay, digestAlgorithms,
          rotateSizeMB: flags.rotateSize, rotateTimeS: flags.rotateTime,
          link: flags.link, journal: flags.journal ?? null, journalFormat: flags.journalFormat, journalStderr: !flags.quiet,
          reasons, mediaRelay: !!flags.mediaRelay, relayPorts: flags.relayPorts,
          ...(t1 ? { timers: { t1, t2: Math.max(t1, 4000), linger: 64 * t1 } } : {}),
          limits: {
            ...(mt ? { maxTransactions: mt } : {}), ...(mc ? { maxCalls: mc } : {}), ...(mcs ? { maxCallsPerSource: mcs } : {}),
            ...(session ? { callIdleMs: session * 1000 } : {}),
          },
        });
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        const db = flags.db === false ? null : flags.db ?? defaultRegistrationsFile();
        const said = explainStartError(e, { listen: flags.listen, usersFile: flags.users, record: flags.record, journal: flags.journal, db });
        process.stderr.write(`sipflow proxy: ${said ?? err.message}\n`);
        process.exitCode = e instanceof UsageError || /^bad |must be|cannot contain|expected/.test(err.message) ? EXIT_USAGE : 2;
        return;
      }
      const { proxy, recorder, journal, host, port } = running;
      let statsTimer: NodeJS.Timeout | null = null;
      let stopping = false;
      const shutdown = async (why: string) => {
        if (stopping) return;
        stopping = true;
        if (statsTimer) clearInterval(statsTimer);
        const s = proxy.getStats();
        journal.note(`sipflow proxy stopping (${why}): received ${s.received}, sent ${s.sent}, malformed ${s.malformed}${recorder ? `, ${recorder.packets} packets recorded in ${recorder.files.join(', ')}` : ''}`);
        await running.stop();
        process.exit(0);
      };
      // Installed before the start line: whoever waits for that line may signal at once.
      process.on('SIGINT', () => void shutdown('SIGINT'));
      process.on('SIGTERM', () => void shutdown('SIGTERM'));
      process.on('uncaughtException', (e) => {
        // The trace is valid up to its last packet whatever happens; close it and say why.
        process.stderr.write(`sipflow proxy: internal error: ${e.stack ?? e.message}\n`);
        try { recorder?.close(); } catch { /* closed */ }
        try { journal.flush(); } catch { /* closed */ }
        process.exit(70);
      });
      const startLine = (`sipflow proxy listening on udp ${endpoint(host, port)}`
        + `${flags.domain ? `, domain ${flags.domain}` : ''}`
        + `${flags.users ? `, digest authentication on (${proxy.digestAlgorithms.join(' and ')}, nonces valid ${proxy.nonceTtlS} s)${flags.allowRelay ? ', relaying for authenticated users' : ', no relaying to other domains'}` : ''}`
        + `, registrations in ${proxy.location.storeKind}`
        + `${recorder ? `, recording to ${recorder.currentFile}${recorder.currentFile !== recorder.requestedFile ? ` (${recorder.requestedFile} exists and is never overwritten; --force replaces it)` : ''}` : ''}`
        + `${flags.mediaRelay ? `, media relay on ports ${flags.relayPorts}` : ''}`);
      journal.note(startLine);
      // --quiet silences the journal on stderr, not this one line: it says where the trace went (never over an old one).
      if (flags.quiet) process.stderr.write(`${terminalText(startLine)}\n`);
      if (statsS) {
        const lag = monitorEventLoopDelay({ resolution: 10 });
        lag.enable();
        let elu = performance.eventLoopUtilization();
        statsTimer = setInterval(() => {
          const s = proxy.getStats();
          const maxLag = Math.round(lag.max / 1e6);
          lag.reset();
          // The share of the interval the main thread spent working, not waiting for datagrams: near 100 % the
          // socket's queue fills (the drops below follow), whatever the delay says.
          const busy = Math.round(100 * performance.eventLoopUtilization(elu).utilization);
          elu = performance.eventLoopUtilization();
          // RSS keeps the pages V8 and malloc grew at a peak; the JS heap in use says whether anything is held.
          // Under --expose-gc an idle proxy collects first, so the figure is the live heap (what a leak check compares).
          const gc = (globalThis as { gc?: () => void }).gc;
          if (gc && s.transactions === 0 && s.calls === 0) gc();
          const mem = process.memoryUsage();
          // The kernel's count for our socket: the overload figure (socket-drops.ts says why the delay is not).
          const drops = udpSocketDrops(port);
          journal.note(`stats: received ${s.received}, sent ${s.sent}, malformed ${s.malformed}, transactions ${s.transactions}, calls ${s.calls}, registrations ${s.registrations}, relay sessions ${s.relaySessions}, rss ${Math.round(mem.rss / 1048576)} MiB, heap ${(mem.heapUsed / 1048576).toFixed(1)} MiB, max event-loop delay ${maxLag} ms, event loop busy ${busy} %`
            + `${drops === null ? '' : `, dropped by the kernel (receive queue full): ${drops}`}`
            + `, call sources ${s.callSources} (at most ${s.maxCallsOneSource} calls from one), refused: ${s.rejectedInvalid} invalid, ${s.rejectedOverload} overload (${s.rejectedPerSource} per source), forgotten calls: ${s.droppedUnacked} never ACKed, ${s.droppedIdle} idle`);
        }, statsS * 1000);
      }
      // Runs until a signal.
      await new Promise<never>(() => {});
    });
}
