/**
 * Report -> expected flow: what `sipflow snapshot` writes, as YAML with a
 * header comment documenting the format, or as the equivalent JSON.
 */
import { Document, visit } from 'yaml';
import type { Call, CallMessage, Report, RtpStream } from '../model.js';
import { FLOW_FORMAT, type FlowScope } from './flow.js';
import { callRoles, inTimeOrder, type CallRoles } from './roles.js';

export interface SnapshotOptions {
  /** Every dialog (REGISTER, OPTIONS, SUBSCRIBE...), not only INVITE dialogs. */
  all?: boolean;
  /** Address -> participant name. */
  aliases?: Record<string, string>;
  /** Write media expectations (codecs, both directions, loss and jitter limits). */
  media?: boolean;
  /** Keep retransmissions, marked "(retransmission)". */
  retransmissions?: boolean;
}

/** The plain object written as YAML or JSON. */
export interface FlowDocument {
  format: string;
  capture: string;
  scope: FlowScope;
  aliases?: Record<string, string>;
  calls: FlowDocumentCall[];
}

export interface FlowDocumentCall {
  name: string;
  kind: string;
  from: string;
  to: string;
  state: string;
  outcome?: string;
  partial?: true;
  messages: string[];
  media?: { codecs: string[]; bothDirections: boolean; maxLossPct: number; maxJitterMs: number };
}

/** The header comment of every YAML flow: the format, for whoever reviews or edits it. */
export const FLOW_HEADER = `# sipflow expected call flow (${FLOW_FORMAT}), written by "sipflow snapshot".
# Check a capture against it with:  sipflow check CAPTURE --expect THIS_FILE
# (or "sipflow check DIR": every X.pcap/X.pcapng in DIR against its X.flow.yaml).
#
# scope: invite = only INVITE dialogs are compared; all = every dialog
#   (REGISTER, SUBSCRIBE, OPTIONS...). A dialog in scope that no call below
#   describes fails the check ("unexpected call").
# aliases: address -> name; those names stand for those addresses only.
#   Other participants are named by role, never by address or port:
#   caller = sender of the first request; proxy, proxy2 = hops that received
#   it and forwarded it; callee = the last hop it reaches (registrar for
#   REGISTER); peer = anyone else. Names are matched to the capture's
#   participants by best fit, so only the shape of the flow matters.
# calls: matched to the capture's calls by best fit, in any order.
#   kind, from, to, state, outcome: compared case-insensitively; a value may be
#     a glob ("sip:alice@*") or a regular expression ("/^sip:(alice|bob)@/").
#   optional: true   the call may be absent;  repeat: true  any number of them.
#   messages: in order, retransmissions left out. Each line is
#       FROM -> TO: METHOD [(SDP)]          e.g.  caller -> proxy: INVITE (SDP)
#       FROM -> TO: CODE [reason] [(SDP)]   e.g.  proxy -> caller: 180 Ringing
#     The reason phrase is only for the reader (never compared). "(SDP)" means
#     the message must carry SDP. CODE may be "18*" or "4xx"; METHOD a glob.
#     "*" (quoted) = any message; /regex/ is matched against "INVITE" or
#     "486 Busy Here". FROM/TO may be "*" (anyone).
#     End a line with ? (optional), + (one or more) or +? (any number);
#     or write {msg: "A -> B: WHAT", optional: true, repeat: true}.
#   media (optional): codecs = the RTP codecs seen; bothDirections = every
#     stream has one flowing back; maxLossPct / maxJitterMs = limits per
#     stream (written with headroom over the recorded values; tighten at will).
# Ignored on purpose: timestamps, ports, branches, tags, Call-IDs and, unless
# "sipflow check --strict-retransmissions", retransmissions (those Wireshark
# marks, and repeats of a message with the same sender, receiver, CSeq and
# method or status, such as the ACKs of a retransmitted 200 OK).
`;

/** Calls a snapshot describes: INVITE dialogs, or all (with --all, or when there is no INVITE). */
export function snapshotScope(report: Report, all: boolean): FlowScope {
  return all || !report.calls.some((c) => c.kind === 'call') ? 'all' : 'invite';
}

export function callsInScope(calls: Call[], scope: FlowScope): Call[] {
  return scope === 'all' ? calls : calls.filter((c) => c.kind === 'call');
}

/** "sip:alice@*" when the host is an address; the port always becomes "*". */
export function uriPattern(uri: string): string {
  const m = /^([a-z]+:)(?:([^@]*)@)?(\[[^\]]+\]|[^:;]+)(:\d+)?$/i.exec(uri);
  if (!m) return uri;
  const [, scheme, user, host, port] = m;
  const isAddress = host!.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host!);
  const u = user === undefined ? '' : `${user}@`;
  if (isAddress) return `${scheme}${u}*`;
  return `${scheme}${u}${host}${port ? ':*' : ''}`;
}

/** Text that is safe to put after "A -> B:" (no newline, no trailing quantifier or flag). */
function cleanReason(r: string | null): string {
  if (!r) return '';
  let s = r.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  for (;;) {
    const t = s.replace(/\s*\((SDP|retransmission)\)$/i, '').replace(/[?+]+$/, '').trimEnd();
    if (t === s) break;
    s = t;
  }
  return s.length > 60 ? s.slice(0, 60).trimEnd() : s;
}

/** What a message looks like in a flow: "INVITE (SDP)", "180 Ringing". */
export function messageWhat(m: Pick<CallMessage, 'method' | 'status' | 'reason' | 'sdp'>): string {
  const base = m.method !== null ? m.method : `${m.status}${cleanReason(m.reason) ? ' ' + cleanReason(m.reason) : ''}`;
  return base + (m.sdp ? ' (SDP)' : '');
}

export function stepText(m: CallMessage, roles: CallRoles, retransmission = m.retransmission): string {
  return `${roles.unitOf(m.src).name} -> ${roles.unitOf(m.dst).name}: ${messageWhat(m)}${retransmission ? ' (retransmission)' : ''}`;
}

/**
 * Which messages a flow treats as retransmissions: those Wireshark marks, and
 * any repeat of an earlier message with the same sender, receiver, CSeq and
 * method or status (Wireshark never marks ACK or CANCEL, nor provisional
 * responses; a retransmitted 200 OK brings a repeated ACK).
 */
export function retransmissions(msgs: CallMessage[]): boolean[] {
  const seen = new Set<string>();
  return msgs.map((m) => {
    const key = `${m.src}|${m.dst}|${m.cseq}|${m.method ?? m.status}`;
    const again = seen.has(key);
    seen.add(key);
    return m.retransmission || again;
  });
}

function userOf(uri: string): string {
  const m = /^[a-z]+:([^@]*)@/i.exec(uri);
  return m ? m[1]! : uri.replace(/^[a-z]+:/i, '');
}

export function callName(c: Call): string {
  if (c.kind === 'call') return `${userOf(c.from)} -> ${userOf(c.to)}`;
  return c.from === c.to ? `${c.kind} ${userOf(c.from)}` : `${c.kind} ${userOf(c.from)} -> ${userOf(c.to)}`;
}

export function callStreams(report: Report, c: Call): RtpStream[] {
  const byIndex = c.streams.length ? c.streams.map((i) => report.rtpStreams.find((s) => s.index === i)).filter((s): s is RtpStream => !!s) : [];
  return byIndex.length ? byIndex : report.rtpStreams.filter((s) => s.callId === c.callId);
}

/** Is there a stream flowing back (dst -> src) for s? Exact endpoints first, then addresses. */
export function reverseOf(s: RtpStream, all: RtpStream[]): RtpStream | null {
  const others = all.filter((o) => o !== s && o.packets > 0);
  const ip = (ep: string) => ep.replace(/:\d+$/, '');
  return others.find((o) => o.src === s.dst && o.dst === s.src)
    ?? (ip(s.src) === ip(s.dst) ? null : others.find((o) => ip(o.src) === ip(s.dst) && ip(o.dst) === ip(s.src))) ?? null;
}

function headroom(x: number, floor: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.max(floor, Math.ceil(x * 1.5 * f) / f);
}

/** The flow of a report, as a plain object. */
export function snapshotFlow(report: Report, opts: SnapshotOptions = {}): FlowDocument {
  const scope = snapshotScope(report, !!opts.all);
  const aliases = opts.aliases ?? {};
  const names = new Map<string, number>();
  const calls = callsInScope(report.calls, scope).map((c): FlowDocumentCall => {
    const roles = callRoles(c, aliases);
    let name = callName(c);
    const seen = (names.get(name) ?? 0) + 1;
    names.set(name, seen);
    if (seen > 1) name = `${name} #${seen}`;
    const msgs = inTimeOrder(c.messages);
    const rt = retransmissions(msgs);
    const out: FlowDocumentCall = {
      name, kind: c.kind, from: uriPattern(c.from), to: uriPattern(c.to), state: c.state,
      messages: msgs.flatMap((m, i) => (opts.retransmissions || !rt[i] ? [stepText(m, roles, rt[i])] : [])),
    };
    if (c.outcome) out.outcome = c.outcome;
    if (c.partial) out.partial = true;
    if (opts.media) {
      const streams = callStreams(report, c).filter((s) => s.packets > 0);
      if (streams.length) {
        out.media = {
          codecs: [...new Set(streams.map((s) => s.codec))],
          bothDirections: streams.every((s) => reverseOf(s, streams) !== null),
          maxLossPct: headroom(Math.max(0, ...streams.map((s) => s.lossPct)), 1, 1),
          maxJitterMs: headroom(Math.max(0, ...streams.map((s) => s.maxJitterMs)), 20),
        };
      }
    }
    // Key order as a reader expects it; messages and media last.
    const { messages, media, ...head } = out;
    return { ...head, messages, ...(media ? { media } : {}) } as FlowDocumentCall;
  });
  const doc: FlowDocument = { format: FLOW_FORMAT, capture: baseName(report.file), scope, calls };
  if (Object.keys(aliases).length) {
    const { calls: cs, ...head } = doc;
    return { ...head, aliases: { ...aliases }, calls: cs };
  }
  return doc;
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** The YAML text of a flow, header comment first. */
export function flowToYaml(doc: FlowDocument): string {
  // Messages as one-key mappings ("- caller -> proxy: INVITE") read like the ladder.
  const plain = {
    ...doc,
    calls: doc.calls.map((c) => ({
      ...c,
      messages: c.messages.map((s) => {
        const i = s.indexOf(': ');
        return { [s.slice(0, i)]: s.slice(i + 2) };
      }),
    })),
  };
  const yaml = new Document(plain, { aliasDuplicateObjects: false });
  // Packet text may hold characters YAML 1.1 readers (PyYAML) take as line
  // breaks (NEL, U+2028, U+2029) or refuse (DEL, C1, U+FFFE/FFFF), which the
  // yaml package writes raw even in a plain scalar. Such strings, keys
  // included, are double-quoted and those characters written as \u escapes
  // (valid only inside double quotes, hence both steps).
  visit(yaml, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && YAML11_UNSAFE.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  const body = yaml.toString({ lineWidth: 0, indentSeq: true }).replace(YAML11_UNSAFE_G, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  return FLOW_HEADER + '\n' + body;
}

/** Characters a YAML 1.1 reader breaks a line at or rejects, that the yaml package leaves raw (it escapes C0 and lone surrogates itself). */
const YAML11_UNSAFE = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/;
const YAML11_UNSAFE_G = /[\u007f-\u009f\u2028\u2029\ufffe\uffff]/g;

export function flowToJson(doc: FlowDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}
