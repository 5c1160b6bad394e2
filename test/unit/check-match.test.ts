/**
 * The flow matcher on Reports built in memory: a matching flow passes, and each
 * kind of change (missing response, wrong code, reordered messages, extra call,
 * missing RTP direction...) fails with the diff a person reads. The rendered
 * diffs are compared with test/expected/check/*.txt (SIPFLOW_UPDATE_EXPECTED=1
 * rewrites them).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { color } from '../../src/render/color.js';
import type { Call, CallMessage, Report, RtpStream } from '../../src/model.js';
import { parseFlow } from '../../src/check/flow.js';
import { checkReport, type CheckOptions, type CheckResult } from '../../src/check/match.js';
import { renderText } from '../../src/check/render.js';
import { callRoles } from '../../src/check/roles.js';
import { flowToJson, flowToYaml, snapshotFlow, uriPattern } from '../../src/check/snapshot.js';
import { ROOT } from '../helpers/corpus.js';

color.level = 0;

// --- building reports ----------------------------------------------------------

type Ep = Record<string, string>;
const EP: Ep = { A: '192.0.2.10:5060', P: '192.0.2.1:5060', B: '192.0.2.20:5062', C: '192.0.2.30:5064' };

/** [from, to, what, opts]: what is "INVITE", "INVITE (SDP)", "180 Ringing"... */
type M = [string, string, string, { rt?: boolean; cseq?: string }?];

const CSEQ: Record<string, number> = { INVITE: 1, ACK: 1, CANCEL: 1, REGISTER: 1, BYE: 2 };

function msgs(list: M[], ep: Ep = EP, firstFrame = 1): CallMessage[] {
  let last = '1 INVITE';
  return list.map(([from, to, what, o], i) => {
    const sdp = / \(SDP\)$/.test(what);
    const w = what.replace(/ \(SDP\)$/, '');
    const sp = w.indexOf(' ');
    const isResp = /^\d{3}/.test(w);
    const status = isResp ? Number(w.slice(0, 3)) : null;
    const method = isResp ? null : w;
    // Requests: a CSeq per method; responses: the CSeq of the last request other than ACK.
    const cseq = o?.cseq ?? (method ? `${CSEQ[method] ?? 3} ${method}` : last);
    if (method && method !== 'ACK') last = cseq;
    return {
      frame: firstFrame + i * 2, time: i * 0.1, src: ep[from]!, dst: ep[to]!, transport: 'UDP',
      method, status, reason: isResp ? (sp > 0 ? w.slice(sp + 1) : null) : null,
      cseq, label: what, sdp, retransmission: !!o?.rt,
    } satisfies CallMessage;
  });
}

function call(index: number, list: M[], extra: Partial<Call> = {}, ep: Ep = EP): Call {
  const messages = msgs(list, ep, extra.firstFrame ?? index * 100);
  return {
    index, callId: `call-${index}@test`, kind: 'call', partial: false,
    from: 'sip:alice@example.test', to: 'sip:bob@example.test', fromDisplay: null, toDisplay: null,
    initialSpeaker: messages[0]!.src.split(':')[0]!, state: 'COMPLETED', outcome: 'COMPLETED', comment: 'INVITE 200',
    sipPackets: messages.length, firstFrame: messages[0]!.frame, lastFrame: messages[messages.length - 1]!.frame,
    start: 0, stop: 1, setupMs: 100, durationS: 1, participants: [...new Set(messages.flatMap((m) => [m.src, m.dst]))],
    messages, media: [], streams: [], events: [],
    ...extra,
  };
}

function stream(index: number, callId: string, src: string, dst: string, o: Partial<RtpStream> = {}): RtpStream {
  return {
    index, callId, heuristic: false, src, dst, ssrc: `0x0000000${index}`, payloadType: 0, codec: 'PCMU/8000', clockRate: 8000,
    packets: 500, lost: 0, lossPct: 0, seqErrors: 0, minDeltaMs: 19, meanDeltaMs: 20, maxDeltaMs: 21, meanJitterMs: 0.5, maxJitterMs: 2,
    ptimeMs: 20, pps: 50, kbps: 80, start: 1, stop: 11, firstFrame: 1000 + index, lastFrame: 2000 + index, ...o,
  };
}

function report(calls: Call[], rtpStreams: RtpStream[] = []): Report {
  return {
    tool: 'sipflow', version: '0', file: 'mem.pcapng',
    capture: { format: 'pcapng', frames: 100, linkTypes: ['Ethernet'], firstTime: null, durationS: 1, truncated: false },
    calls, rtpStreams, warnings: [],
  };
}

const PROXIED: M[] = [
  ['A', 'P', 'INVITE (SDP)'], ['P', 'A', '100 Trying'], ['P', 'B', 'INVITE (SDP)'],
  ['B', 'P', '180 Ringing'], ['P', 'A', '180 Ringing'],
  ['B', 'P', '200 OK (SDP)'], ['P', 'A', '200 OK (SDP)'],
  ['A', 'P', 'ACK'], ['P', 'B', 'ACK'],
  ['A', 'P', 'BYE'], ['P', 'B', 'BYE'], ['B', 'P', '200 OK'], ['P', 'A', '200 OK'],
];

const DECLINED: M[] = [
  ['A', 'P', 'INVITE (SDP)'], ['P', 'A', '100 Trying'], ['P', 'B', 'INVITE (SDP)'],
  ['B', 'P', '180 Ringing'], ['P', 'A', '180 Ringing'],
  ['B', 'P', '603 Decline'], ['P', 'B', 'ACK'], ['P', 'A', '603 Decline'], ['A', 'P', 'ACK'],
];

function flowOf(r: Report, opts: Parameters<typeof snapshotFlow>[1] = {}) {
  return parseFlow(flowToYaml(snapshotFlow(r, opts)), 'expected.flow.yaml');
}

function flowText(text: string) {
  return parseFlow(text, 'expected.flow.yaml');
}

/** Compare the rendered diff with test/expected/check/NAME.txt. */
function golden(name: string, result: CheckResult): string {
  const text = renderText({ capture: 'mem.pcapng', expect: 'expected.flow.yaml', result, error: null, code: result.ok ? 0 : 1, seconds: 0 });
  const dir = join(ROOT, 'test', 'expected', 'check');
  const file = join(dir, `${name}.txt`);
  if (process.env.SIPFLOW_UPDATE_EXPECTED || !existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  }
  assert.equal(text, readFileSync(file, 'utf8'), `diff text differs from ${file}`);
  return text;
}

function diffsOf(r: CheckResult) {
  return r.calls.flatMap((c) => c.differences);
}

const check = (r: Report, text: string, o: CheckOptions = {}) => checkReport(r, flowText(text), o);

// --- roles and snapshot ----------------------------------------------------------

test('roles: caller, proxy, callee from the path of the first request', () => {
  const roles = callRoles(call(1, PROXIED));
  assert.deepEqual(roles.units.map((u) => [u.name, [...u.endpoints].join()]), [
    ['caller', EP.A], ['proxy', EP.P], ['callee', EP.B],
  ]);
});

test('roles: aliases replace role names; a proxy sending from another port stays one participant', () => {
  const ep = { ...EP, P2: '192.0.2.1:40001' };
  const c = call(1, [['A', 'P', 'INVITE'], ['P2', 'B', 'INVITE'], ['B', 'P2', '200 OK'], ['P', 'A', '200 OK']], {}, ep);
  const roles = callRoles(c);
  assert.deepEqual(roles.units.map((u) => u.name), ['caller', 'proxy', 'callee']);
  assert.equal(roles.unitOf('192.0.2.1:40001').name, 'proxy');
  const aliased = callRoles(c, { '192.0.2.1': 'pbx', [EP.B!]: 'phone' });
  assert.deepEqual(aliased.units.map((u) => u.name), ['caller', 'pbx', 'phone']);
});

test('snapshot: readable YAML with a format header, roles not ports, retransmissions left out', () => {
  const c = call(1, [...PROXIED.slice(0, 1), ['A', 'P', 'INVITE (SDP)', { rt: true }], ...PROXIED.slice(1)]);
  const yaml = flowToYaml(snapshotFlow(report([c])));
  assert.match(yaml, /^# sipflow expected call flow/);
  assert.match(yaml, /\n {6}- caller -> proxy: INVITE \(SDP\)\n {6}- proxy -> caller: 100 Trying\n/);
  assert.doesNotMatch(yaml.replace(/^#.*$/gm, ''), /5060|retransmission/);
  assert.match(yaml, /from: sip:alice@example.test\n/);
  const json = JSON.parse(flowToJson(snapshotFlow(report([c]))));
  assert.equal(json.calls[0].messages[0], 'caller -> proxy: INVITE (SDP)');
  assert.equal(json.calls[0].messages.length, PROXIED.length);
  // The JSON form is a flow file too.
  assert.equal(checkReport(report([c]), parseFlow(flowToJson(snapshotFlow(report([c]))), 'x.flow.json')).ok, true);
});

test('snapshot: URIs with an address host become patterns', () => {
  assert.equal(uriPattern('sip:mobillin@192.168.1.14'), 'sip:mobillin@*');
  assert.equal(uriPattern('sip:sipp@[fd17::1]:15060'), 'sip:sipp@*');
  assert.equal(uriPattern('sip:bob@example.test:5062'), 'sip:bob@example.test:*');
  assert.equal(uriPattern('sip:bob@example.test'), 'sip:bob@example.test');
});

// --- matching ----------------------------------------------------------------------

test('a matching flow passes', () => {
  const r = report([call(1, PROXIED), call(2, DECLINED, { state: 'REJECTED', outcome: 'DECLINED' })]);
  const result = checkReport(r, flowOf(r));
  assert.equal(result.ok, true, JSON.stringify(diffsOf(result), null, 1));
  assert.deepEqual(result.calls.map((c) => c.status), ['match', 'match']);
  golden('match', result);
});

test('tolerant: other ports, Call-IDs, times, tags and retransmissions still match', () => {
  const flow = flowOf(report([call(1, PROXIED)]));
  const ep = { A: '198.51.100.7:41234', P: '198.51.100.1:5070', B: '198.51.100.9:39999' };
  const other = call(7, [
    ...PROXIED.slice(0, 3), ['P', 'B', 'INVITE (SDP)', { rt: true }], ...PROXIED.slice(3, 7),
    ['P', 'A', '200 OK (SDP)', { rt: true }], ['A', 'P', 'ACK'], ...PROXIED.slice(7),
  ], { callId: 'completely-different', start: 42 }, ep);
  const result = checkReport(report([other]), flow);
  assert.equal(result.ok, true, JSON.stringify(diffsOf(result), null, 1));
  // ...unless retransmissions are asked for.
  const strict = checkReport(report([other]), flow, { strictRetransmissions: true });
  assert.equal(strict.ok, false);
  assert.deepEqual(diffsOf(strict).map((d) => d.type), ['extra', 'extra', 'extra']);
  golden('strict-retransmissions', strict);
});

test('missing response fails: which call, which step, after which frame', () => {
  const flow = flowOf(report([call(1, PROXIED)]));
  const actual = call(1, PROXIED.filter((_, i) => i !== 4)); // no 180 to the caller
  const result = checkReport(report([actual]), flow);
  assert.equal(result.ok, false);
  const [d, ...rest] = diffsOf(result);
  assert.equal(rest.length, 0);
  assert.equal(d!.type, 'missing');
  assert.equal(d!.step, 5);
  assert.equal(d!.expected, 'proxy -> caller: 180 Ringing');
  assert.equal(d!.frame, actual.messages[3]!.frame);
  const text = golden('missing-response', result);
  assert.match(text, /step 5 +missing +proxy -> caller: 180 Ringing +\(after frame 106\)/);
});

test('wrong status code fails with expected vs actual and the frame', () => {
  const flow = flowOf(report([call(1, DECLINED, { state: 'REJECTED', outcome: 'DECLINED' })]));
  const busy = call(1, DECLINED.map(([f, t, w]) => [f, t, w.replace('603 Decline', '486 Busy Here')] as M), { state: 'REJECTED', outcome: 'BUSY' });
  const result = checkReport(report([busy]), flow);
  assert.equal(result.ok, false);
  const d = diffsOf(result);
  assert.deepEqual(d.map((x) => [x.type, x.field ?? x.step]), [['field', 'outcome'], ['changed', 6], ['changed', 8]]);
  assert.equal(d[1]!.expected, 'callee -> proxy: 603 Decline');
  assert.equal(d[1]!.actual, 'callee -> proxy: 486 Busy Here');
  assert.equal(d[1]!.frame, busy.messages[5]!.frame);
  const text = golden('wrong-code', result);
  assert.match(text, /outcome +expected DECLINED, actual BUSY/);
  assert.match(text, /step 6 +expected +callee -> proxy: 603 Decline/);
  assert.match(text, /actual +callee -> proxy: 486 Busy Here +\(frame 110\)/);
});

test('reordered messages fail as out of order', () => {
  const flow = flowOf(report([call(1, PROXIED)]));
  const swapped = [...PROXIED];
  [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!]; // proxy relays 180 before the callee sent it
  const result = checkReport(report([call(1, swapped)]), flow);
  assert.equal(result.ok, false);
  const d = diffsOf(result);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.type, 'out-of-order');
  golden('reordered', result);
});

test('an extra call fails as unexpected; a missing call fails too', () => {
  const flow = flowOf(report([call(1, PROXIED)]));
  const extra = checkReport(report([call(1, PROXIED), call(2, DECLINED, { state: 'REJECTED', outcome: 'DECLINED', to: 'sip:carol@example.test' })]), flow);
  assert.equal(extra.ok, false);
  assert.deepEqual(extra.calls.map((c) => c.status), ['match', 'unexpected']);
  assert.match(diffsOf(extra)[0]!.message, /^unexpected call alice -> carol: REJECTED \/ DECLINED, 9 messages from frame 200/);
  golden('extra-call', extra);
  const missing = checkReport(report([]), flow);
  assert.deepEqual(missing.calls.map((c) => c.status), ['missing']);
  golden('missing-call', missing);
});

test('calls are paired by best fit, not by position', () => {
  const a = call(1, PROXIED);
  const b = call(2, DECLINED, { state: 'REJECTED', outcome: 'DECLINED' });
  const flow = flowOf(report([a, b]));
  const reversed = report([{ ...b, index: 1 }, { ...a, index: 2 }]);
  const result = checkReport(reversed, flow);
  assert.equal(result.ok, true);
  assert.deepEqual(result.calls.map((c) => [c.expected!.number, c.actual!.index]), [[1, 2], [2, 1]]);
});

test('a flow that stops at the proxy names the proxy "proxy" in the diff (participants bound by fit)', () => {
  const flow = flowOf(report([call(1, PROXIED)]));
  const notFound = call(1, [['A', 'P', 'INVITE (SDP)'], ['P', 'A', '100 Trying'], ['P', 'A', '404 Not Found'], ['A', 'P', 'ACK']], { state: 'REJECTED', outcome: 'NOT FOUND' });
  const result = checkReport(report([notFound]), flow);
  assert.equal(result.calls[0]!.participants.proxy, EP.P);
  const d = diffsOf(result);
  assert.ok(d.some((x) => x.type === 'changed' && x.actual === 'proxy -> caller: 404 Not Found'), JSON.stringify(d, null, 1));
  golden('stops-at-proxy', result);
});

test('missing RTP direction fails; both directions pass; codec, loss and jitter limits', () => {
  const c = call(1, PROXIED, { streams: [1, 2] });
  const both = report([c], [stream(1, c.callId, '192.0.2.10:40000', '192.0.2.20:50000'), stream(2, c.callId, '192.0.2.20:50000', '192.0.2.10:40000')]);
  const flow = parseFlow(flowToYaml(snapshotFlow(both, { media: true })), 'expected.flow.yaml');
  assert.deepEqual({ ...flow.calls[0]!.media, codecs: flow.calls[0]!.media!.codecs!.map((p) => p.source), line: 0 },
    { codecs: ['PCMU/8000'], bothDirections: true, maxLossPct: 1, maxJitterMs: 20, minMos: null, line: 0 });
  assert.equal(checkReport(both, flow).ok, true);

  const oneWay = report([{ ...c, streams: [1] }], [both.rtpStreams[0]!]);
  const result = checkReport(oneWay, flow);
  assert.equal(result.ok, false);
  const d = diffsOf(result);
  assert.equal(d.length, 1);
  assert.equal(d[0]!.type, 'media');
  assert.equal(d[0]!.field, 'direction');
  assert.match(d[0]!.message, /one-way audio: RTP flows caller \(192\.0\.2\.10:40000\) -> callee \(192\.0\.2\.20:50000\)/);
  golden('missing-rtp-direction', result);

  const bad = report([c], [stream(1, c.callId, '192.0.2.10:40000', '192.0.2.20:50000', { lossPct: 7.5, lost: 40 }),
    stream(2, c.callId, '192.0.2.20:50000', '192.0.2.10:40000', { codec: 'PCMA/8000', maxJitterMs: 45 })]);
  const types = diffsOf(checkReport(bad, flow)).map((x) => x.field);
  assert.deepEqual(types, ['codecs', 'loss', 'jitter']);
  const none = checkReport(report([c], []), flow);
  assert.match(diffsOf(none)[0]!.message, /no RTP stream/);
});

test('minMos: a stream under the minimum fails with its MOS and R; unscored streams are not judged; none scored fails', () => {
  const c = call(1, PROXIED, { streams: [1, 2] });
  const flow = parseFlow(`calls:\n  - kind: call\n    media:\n      minMos: 4.0\n`, 'mos.flow.yaml');
  assert.equal(flow.calls[0]!.media!.minMos, 4);
  const q = (mos: number, rFactor: number) => ({ mos, rFactor, mosWorst5s: mos });
  const good = report([c], [stream(1, c.callId, '192.0.2.10:40000', '192.0.2.20:50000', q(4.3, 88.6)), stream(2, c.callId, '192.0.2.20:50000', '192.0.2.10:40000', q(4.4, 93))]);
  assert.equal(checkReport(good, flow).ok, true);
  const poor = report([c], [stream(1, c.callId, '192.0.2.10:40000', '192.0.2.20:50000', { ...q(3.52, 70.1), lossPct: 6 }), stream(2, c.callId, '192.0.2.20:50000', '192.0.2.10:40000', q(4.4, 93))]);
  const d = diffsOf(checkReport(poor, flow));
  assert.deepEqual(d.map((x) => [x.field, x.expected, x.actual]), [['mos', '>= 4', '3.52']]);
  assert.match(d[0]!.message, /^media: stream caller \(192\.0\.2\.10:40000\) -> .* MOS 3\.52 \(R 70\.1, loss 6 %\), minimum 4 \(frame 1001\)$/);
  const video = report([c], [stream(1, c.callId, '192.0.2.10:40000', '192.0.2.20:50000', { codec: 'VP8/90000', mos: null }), stream(2, c.callId, '192.0.2.20:50000', '192.0.2.10:40000', q(4.4, 93))]);
  assert.equal(checkReport(video, flow).ok, true, 'the unscored video stream is not judged');
  const unscored = report([c], [stream(1, c.callId, '192.0.2.10:40000', '192.0.2.20:50000', { codec: 'AMR-WB/16000', mos: null })]);
  assert.match(diffsOf(checkReport(unscored, flow))[0]!.message, /^media: no stream has a MOS to compare with 4 \(codecs: AMR-WB\/16000\)$/);
  assert.throws(() => parseFlow(`calls:\n  - media:\n      minMOS: 4\n`, 'bad.flow.yaml'), /unknown key "minMOS" \(known: codecs, bothDirections, maxLossPct, maxJitterMs, minMos\)/);
});

test('wildcards, regular expressions and "*" participants', () => {
  const r = report([call(1, DECLINED, { state: 'REJECTED', outcome: 'DECLINED' })]);
  const ok = check(r, `
calls:
  - kind: call
    from: "sip:alice@*"
    to: /^sip:(bob|carol)@example\\.test$/
    state: rejected
    outcome: /DECLINED|BUSY/
    messages:
      - caller -> proxy: INV*
      - proxy -> caller: 1xx
      - "proxy -> *: *"
      - callee -> proxy: 18*
      - proxy -> caller: /^180 Ring/
      - callee -> proxy: /^6\\d\\d/
      - "* -> callee: ACK"
      - proxy -> caller: 6xx Whatever the reason
      - caller -> proxy: ACK
`);
  assert.equal(ok.ok, true, JSON.stringify(diffsOf(ok), null, 1));
  const bad = check(r, `
calls:
  - from: "sip:bob@*"
    messages:
      - caller -> proxy: INVITE
      - proxy -> caller: 2xx
      - "*"
`.replace('- "*"', '- "proxy -> callee: *"'));
  assert.equal(bad.ok, false);
  assert.ok(diffsOf(bad).some((d) => d.field === 'from'));
});

test('optional (?) and repeated (+) messages', () => {
  const flow = `
calls:
  - messages:
      - caller -> proxy: INVITE (SDP)
      - proxy -> caller: 100 Trying?
      - proxy -> callee: INVITE (SDP)
      - callee -> proxy: 18*+
      - proxy -> caller: 18*+
      - callee -> proxy: 200 OK (SDP)
      - proxy -> caller: 200 OK (SDP)
      - {msg: "caller -> proxy: OPTIONS", optional: true, repeat: true}
      - caller -> proxy: ACK
      - proxy -> callee: ACK
      - caller -> proxy: BYE
      - proxy -> callee: BYE
      - callee -> proxy: 200 OK
      - proxy -> caller: 200 OK
`;
  assert.equal(check(report([call(1, PROXIED)]), flow).ok, true);
  const no100 = PROXIED.filter((m) => m[2] !== '100 Trying');
  assert.equal(check(report([call(1, no100)]), flow).ok, true);
  const moreRinging: M[] = [...PROXIED.slice(0, 5), ['B', 'P', '183 Session Progress'], ['P', 'A', '183 Session Progress'], ...PROXIED.slice(5)];
  // 183 comes after the 180 of the caller leg: the callee's repeat is over by then, so it fails...
  assert.equal(check(report([call(1, moreRinging)]), flow).ok, false);
  // ...but not when the callee's provisionals come first.
  const grouped: M[] = [...PROXIED.slice(0, 4), ['B', 'P', '183 Session Progress'], ['P', 'A', '180 Ringing'], ['P', 'A', '183 Session Progress'], ...PROXIED.slice(5)];
  assert.equal(check(report([call(1, grouped)]), flow).ok, true);
  // "+" still needs one.
  const noRinging = PROXIED.filter((m) => !m[2].startsWith('180'));
  const r = check(report([call(1, noRinging)]), flow);
  assert.deepEqual(diffsOf(r).map((d) => [d.type, d.step]), [['missing', 4], ['missing', 5]]);
});

test('optional and repeated calls', () => {
  const reg = (i: number) => call(i, [['A', 'P', 'REGISTER'], ['P', 'A', '200 OK', { cseq: '1 REGISTER' }]], { kind: 'registration', state: 'COMPLETED', outcome: 'REGISTERED' });
  const flow = `
scope: all
calls:
  - kind: registration
    repeat: true
    messages:
      - caller -> registrar: REGISTER
      - registrar -> caller: 200 OK
  - kind: call
    optional: true
`;
  assert.equal(check(report([reg(1), reg(2), reg(3)]), flow).ok, true);
  const none = check(report([]), flow);
  assert.deepEqual(none.calls.map((c) => c.status), ['missing', 'absent-optional']);
});

test('scope: INVITE-only flows ignore registrations, "all" flows do not', () => {
  const reg = call(2, [['A', 'P', 'REGISTER'], ['P', 'A', '200 OK', { cseq: '1 REGISTER' }]], { kind: 'registration' });
  const r = report([call(1, PROXIED), reg]);
  const invites = flowOf(report([call(1, PROXIED)]));
  assert.equal(invites.scope, 'invite');
  assert.equal(checkReport(r, invites).ok, true);
  const all = flowOf(r, { all: true });
  assert.equal(all.scope, 'all');
  assert.equal(checkReport(r, all).ok, true);
  assert.equal(checkReport(report([call(1, PROXIED)]), all).ok, false);
});

test('state is strict: an answered call that never hung up differs', () => {
  const flow = flowOf(report([call(1, PROXIED)]));
  const noBye = call(1, PROXIED.slice(0, 9), { state: 'IN CALL', outcome: 'ANSWERED' });
  const r = checkReport(report([noBye]), flow);
  assert.deepEqual(diffsOf(r).map((d) => d.field ?? d.type), ['state', 'outcome', 'missing', 'missing', 'missing', 'missing']);
});

test('aliases in the flow pin names to addresses', () => {
  const r = report([call(1, PROXIED)]);
  const flow = flowOf(r, { aliases: { '192.0.2.1': 'pbx' } });
  assert.equal(flow.calls[0]!.messages![0]!.text, 'caller -> pbx: INVITE (SDP)');
  assert.equal(checkReport(r, flow).ok, true);
  const moved = { A: EP.A!, P: '203.0.113.5:5060', B: EP.B! };
  assert.equal(checkReport(report([call(1, PROXIED, {}, moved)]), flow).ok, false);
});

test('a large capture pairs quickly', () => {
  const calls = Array.from({ length: 150 }, (_, i) => call(i + 1, i % 3 ? PROXIED : DECLINED, i % 3 ? {} : { state: 'REJECTED', outcome: 'DECLINED' }));
  const r = report(calls);
  const flow = flowOf(r);
  const t0 = performance.now();
  const result = checkReport(r, flow);
  assert.equal(result.ok, true);
  assert.ok(performance.now() - t0 < 20000);
});
