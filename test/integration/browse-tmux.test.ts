/**
 * `sipflow browse` driven in a real pseudo-terminal rendered by a real
 * terminal emulator (tmux, test/helpers/pty.ts): keys in, screen text out.
 *
 * - the corpus capture Z1_transfercall: sort by state, filter "tablet", open
 *   the flow, select the REFER, read its Refer-To in the message panel, save
 *   the call, analyze the saved capture;
 * - a live feed: a capture written at a steady rate piped into `browse -`,
 *   rows appear and their state moves on;
 * - the terminal is left in cooked mode after quit, Ctrl-C and SIGTERM;
 *   NO_COLOR, --ascii, resize, help.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS, ROOT, corpusSkip } from '../helpers/corpus.js';
import { CLI, sipflow } from '../helpers/cli.js';
import { Tmux, shellQuote, tmuxSkip } from '../helpers/pty.js';

const Z1 = join(CORPUS, 'mtaa', 'Z1_transfercall.pcapng');
const z1Skip = tmuxSkip() || corpusSkip() || (existsSync(Z1) ? false : `${Z1} not in the corpus`);
const FEED = join(ROOT, 'dist', 'test', 'helpers', 'pty-feed.js');
const browse = (args: string) => `${shellQuote(process.execPath)} ${shellQuote(CLI)} browse ${args}`;

/** Cooked mode: canonical input and echo are back on. */
function cooked(stty: string): boolean {
  return /(^|\s)icanon(\s|$)/.test(stty) && /(^|\s)echo(\s|$)/.test(stty);
}

test('Z1_transfercall: sort by state, filter tablet, open the flow, read the REFER, save and re-analyze', { skip: z1Skip, timeout: 120000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-browse-'));
  // Opened by a short relative name (a link in the session's folder): the title line shows the
  // path, and a long one (wherever the corpus happens to be) would cut off what the test reads there.
  symlinkSync(Z1, join(dir, 'Z1_transfercall.pcapng'));
  const t = new Tmux(browse('Z1_transfercall.pcapng'), { cols: 120, rows: 34, cwd: dir });
  try {
    let s = await t.waitFor(/2\/2 calls/);
    assert.match(s, /mobillin@192\.168\.1\.14 +linPC@192\.168\.1\.14 +COMPLETED/);
    // Sort by State: five columns on from "#".
    t.keys('s', 's', 's', 's', 's');
    s = await t.waitFor('State▲');
    t.keys('r');
    s = await t.waitFor('State▼');
    // Filter as you type: both calls mention the tablet (call 1 through its REFER's Refer-To).
    t.keys('/');
    t.type('tablet');
    s = await t.waitFor('filter "tablet"');
    assert.match(s, /2\/2 calls/);
    t.type('-nobody');
    s = await t.waitFor('0/2 calls');
    assert.match(s, /no call matches/);
    for (let i = 0; i < 7; i++) t.keys('BSpace');
    s = await t.waitFor(/2\/2 calls · filter "tablet"/);
    t.keys('Enter');
    // The state filter cycles through the states present: both calls are COMPLETED, so one f
    // selects it and the next one turns the filter off again.
    t.keys('f');
    s = await t.waitFor('state COMPLETED');
    assert.match(s, /2\/2 calls/);
    t.keys('f');
    s = await t.waitFor(/2\/2 calls · filter "tablet"$/m);
    // Sorted descending by state with equal states: index order; call 1 is the first row, selected. Open its flow.
    t.keys('Home', 'Enter');
    s = await t.waitFor('Call 1: sip:mobillin@192.168.1.14');
    // The screen is written line by line: wait for the message panel itself rather than reading it with the title.
    s = await t.waitFor(/^INVITE sip:linPC@192\.168\.1\.14 SIP\/2\.0$/m);
    assert.match(s, /INVITE \(SDP\)/, 'the ladder and the message panel of the selected INVITE');
    // Down to the REFER.
    for (let i = 0; i < 40 && !/^REFER sip:/m.test(t.screen()); i++) { t.keys('Down'); await new Promise((r) => setTimeout(r, 60)); }
    s = await t.waitFor(/^REFER sip:mobillin@192\.168\.1\.15:39858;transport=udp SIP\/2\.0$/m);
    assert.match(s, /^Refer-To: "tablet" <sip:tablet@192\.168\.1\.14:5060>$/m);
    // The selected arrow is drawn in inverse video.
    const ansi = t.screenAnsi();
    assert.match(ansi, /\x1b\[7m[^\n]*809 +11\.361152[^\n]*REFER/);
    // Events and streams in the panel, then back to the message.
    t.keys('e');
    s = await t.waitFor('events & streams');
    assert.match(s, /RTP streams/);
    t.keys('e');
    await t.waitFor('Refer-To:');
    // Save the call.
    t.keys('w');
    await t.waitFor('save as (base name): sipflow-call-1');
    t.keys('C-u');
    t.type('saved-call');
    t.keys('Enter');
    s = await t.waitFor(/saved saved-call\.pcapng/);
    for (const f of ['saved-call.pcapng', 'saved-call.txt', 'saved-call.svg', 'saved-call.csv']) assert.ok(existsSync(join(dir, f)), f);
    assert.match(readFileSync(join(dir, 'saved-call.txt'), 'utf8'), /REFER/);
    assert.match(readFileSync(join(dir, 'saved-call.csv'), 'utf8'), /IS85~-elz3/);
    // The saved capture is call 1 with its media, as extract would cut it.
    const r = sipflow(['analyze', '--json', join(dir, 'saved-call.pcapng')]);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { calls: { callId: string; state: string; sipPackets: number }[]; rtpStreams: unknown[] };
    assert.deepEqual(rep.calls.map((c) => c.callId), ['IS85~-elz3']);
    assert.equal(rep.calls[0]!.state, 'COMPLETED');
    assert.equal(rep.calls[0]!.sipPackets, 34);
    assert.equal(rep.rtpStreams.length, 2);
    // Back, help, quit: the terminal is cooked again.
    t.keys('q');
    await t.waitFor(/\d+\/2 calls/);
    t.keys('?');
    s = await t.waitFor(/help( [0-9-]+\/\d+ · ↑↓ PgDn)? · any key returns/);
    assert.match(s, /filter as you type/);
    t.keys('x', 'q');
    await t.waitFor('[exit 0]');
    assert.ok(cooked(t.stty()), 'terminal left in cooked mode');
  } finally {
    t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('live: a capture growing on standard input shows its calls as they come and update', { skip: tmuxSkip(), timeout: 120000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-browse-live-'));
  const t = new Tmux(`SIPFLOW_FEED_MS=300 SIPFLOW_FEED_CALLS=6 ${shellQuote(process.execPath)} ${shellQuote(FEED)} | ${browse('-')}`, { cols: 110, rows: 20 });
  try {
    let s = await t.waitFor(/ 1 +0\.000 .*Caller 1/);
    assert.match(s, /standard input/);
    const early = /(\d+)\/\d+ calls/.exec(s);
    // Call 1 is set up, then answered, then completed as its messages arrive.
    s = await t.waitFor(/ 1 +0\.000 +1\.5 .*COMPLETED +COMPLETED/, 15000);
    s = await t.waitFor(/6\/6 calls/, 15000);
    assert.ok(early && Number(early[1]) < 6, `calls appear one by one (first seen: ${early?.[0]})`);
    assert.match(s, /live/);
    assert.match(s, /pkt\/s/);
    // The selection stays on its call as rows arrive: select call 2, then wait for the rest.
    t.keys('Down');
    await t.waitFor(/6 +3\.750 .*COMPLETED +COMPLETED/, 15000);
    t.keys('Enter');
    s = await t.waitFor('Call 2: ');
    assert.match(s, /^BYE sip:bob2@192\.0\.2\.20 SIP\/2\.0$|^INVITE sip:bob2@192\.0\.2\.20 SIP\/2\.0$/m);
    // Save from a live feed: the SIP messages rebuilt as frames; the saved file analyzes to the same call.
    t.keys('w');
    await t.waitFor('save as (base name): sipflow-call-2');
    t.keys('C-u');
    t.type(join(dir, 'live-2'));
    t.keys('Enter');
    s = await t.waitFor(/saved .*live-2\.pcapng \(6 frames: SIP messages rebuilt/);
    const r = sipflow(['analyze', '--json', join(dir, 'live-2.pcapng')]);
    assert.equal(r.code, 0, r.stderr);
    const rep = JSON.parse(r.stdout) as { calls: { callId: string; state: string; sipPackets: number; fromDisplay: string }[] };
    assert.deepEqual(rep.calls.map((c) => [c.callId, c.state, c.sipPackets, c.fromDisplay]), [['live-2@sipflow.test', 'COMPLETED', 6, 'Caller 2']]);
    t.keys('q', 'q');
    // The feeder idles once its calls are written (as tcpdump would until its next packet), so the
    // pipeline does not end: wait for the browser itself to be gone.
    for (let i = 0; i < 50 && browsing(t); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(browsing(t), false, 'browse exited');
    assert.ok(cooked(t.stty()), 'terminal left in cooked mode');
  } finally {
    t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ctrl-C and SIGTERM leave the terminal cooked; NO_COLOR and --ascii draw plainly; resize redraws', { skip: tmuxSkip(), timeout: 120000 }, async () => {
  // Relative to the project (the session's folder), so the 80-column title keeps "1/1 calls" wherever the project is.
  const t = new Tmux(browse('--ascii fixtures/call-completed.pcapng'), { cols: 80, rows: 24, cwd: ROOT, env: { NO_COLOR: '1' } });
  try {
    let s = await t.waitFor('1/1 calls');
    t.keys('Enter');
    s = await t.waitFor('INVITE');
    assert.doesNotMatch(s, /[│─▶◀…]/, '--ascii: no box drawing');
    assert.match(s, /\|/);
    // No colours: SGR 3x/9x never appear (inverse and bold do).
    assert.doesNotMatch(t.screenAnsi(), /\x1b\[(3[1-7]|9[0-7])m/);
    t.resize(150, 40);
    s = await t.waitFor(/^.{80,}\|INVITE sip:/m);
    t.keys('C-c');
    s = await t.waitFor('[exit 130]');
    assert.ok(cooked(t.stty()), 'Ctrl-C: terminal cooked');
  } finally {
    t.close();
  }
  const u = new Tmux(browse('fixtures/call-completed.pcapng'), { cols: 100, rows: 24, cwd: ROOT });
  try {
    await u.waitFor('1/1 calls');
    u.keys('Enter');
    await u.waitFor('INVITE');
    assert.match(u.screenAnsi(), /\x1b\[36m/, 'requests in cyan when colour is allowed');
    const pid = sipPid(u);
    process.kill(pid, 'SIGTERM');
    await u.waitFor('[exit 143]');
    assert.ok(cooked(u.stty()), 'SIGTERM: terminal cooked');
  } finally {
    u.close();
  }
});

/** Whether a `browse` process still runs in the pane. */
function browsing(t: Tmux): boolean {
  return t.pids().some((p) => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('browse'); } catch { return false; } });
}

/** The pid of the node process running in the pane (the pane's shell's child). */
function sipPid(t: Tmux): number {
  const out = t.pids();
  assert.ok(out.length, 'browse process found');
  return out[0]!;
}

test('--hep-listen: HEP3 packets (as Kamailio siptrace sends them) become calls', { skip: tmuxSkip(), timeout: 120000 }, async () => {
  const port = 20000 + (process.pid % 20000);
  const t = new Tmux(browse(`--hep-listen udp:127.0.0.1:${port}`), { cols: 110, rows: 20 });
  try {
    await t.waitFor(`listening for HEP on udp:127.0.0.1:${port}`);
    const r = spawnSync(process.execPath, [FEED], { env: { ...process.env, SIPFLOW_FEED_HEP: String(port), SIPFLOW_FEED_MS: '40', SIPFLOW_FEED_CALLS: '4' }, timeout: 20000 });
    assert.equal(r.status, 0);
    await t.waitFor(/4\/4 calls/);
    const s = await t.waitFor(/ 4 .*Caller 4 .*COMPLETED +COMPLETED/);
    assert.match(s, /HEP udp:127\.0\.0\.1/);
    // The flow shows HEP's original endpoints, not the collector's socket.
    t.keys('Enter');
    await t.waitFor('192.0.2.10:5060');
    t.keys('q', 'q');
    await t.waitFor('[exit 0]');
  } finally {
    t.close();
  }
  // The terminal goes away (SIGHUP) while the FIFO read waits: the process still ends.
  const u = new Tmux(browse(`--hep-listen udp:127.0.0.1:${port + 1}`), { cols: 100, rows: 20 });
  let pid = 0;
  try {
    await u.waitFor('listening for HEP');
    pid = sipPid(u);
  } finally {
    u.close();
  }
  let alive = true;
  for (let i = 0; i < 50 && alive; i++) { await new Promise((r) => setTimeout(r, 100)); alive = existsSync(`/proc/${pid}`); }
  assert.equal(alive, false, 'browse ended on SIGHUP');
});

const canCapture = spawnSync('dumpcap', ['-i', 'lo', '-a', 'duration:1', '-q', '-w', '/dev/null'], { stdio: 'ignore', timeout: 10000 }).status === 0;

test('-i lo: dumpcap started by browse, SIP sent over loopback shows up', { skip: tmuxSkip() || (canCapture ? false : 'dumpcap cannot capture on lo here (not installed or no privileges)'), timeout: 120000 }, async () => {
  const port = 30000 + (process.pid % 20000);
  const t = new Tmux(browse(`-i lo --capture-filter ${shellQuote(`udp port ${port}`)}`), { cols: 110, rows: 20 });
  try {
    await t.waitFor(/dumpcap -i lo/);
    // dumpcap needs a moment to open the interface.
    await new Promise((r) => setTimeout(r, 1500));
    const sock = createSocket('udp4');
    for (let i = 1; i <= 3; i++) {
      const msg = `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${port + 1};branch=z9hG4bKif${i}\r\nFrom: <sip:mon@ex.test>;tag=${i}\r\nTo: <sip:probe@ex.test>\r\nCall-ID: iface-${i}@ex.test\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`;
      await new Promise<void>((res) => sock.send(msg, port, '127.0.0.1', () => res()));
    }
    sock.close();
    const s = await t.waitFor(/3\/3 calls/, 15000);
    assert.match(s, /options/);
    t.keys('q');
    await t.waitFor('[exit 0]');
  } finally {
    t.close();
  }
});

test('-i without dumpcap or tcpdump says what to install, exit 69', () => {
  const r = sipflow(['browse', '-i', 'eth0'], { env: { PATH: '/nonexistent' } });
  assert.equal(r.code, 69);
  assert.match(r.stderr, /^sipflow: -i eth0: neither dumpcap nor tcpdump is installed \(Debian\/Ubuntu: apt-get install tshark/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('browse: usage errors and unusable files are one line', () => {
  let r = sipflow(['browse']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /browse reads one source/);
  r = sipflow(['browse', '--max-calls', '0', 'x.pcap']);
  assert.equal(r.code, 64);
  r = sipflow(['browse', 'does-not-exist.pcap']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  r = sipflow(['browse', '--hep-listen', 'udp:nowhere', ]);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /expected udp:ADDR:PORT/);
});
