/**
 * The ladder model every ladder format draws from: participants (columns)
 * and rows (SIP messages, RTP stream spans) of one or more calls.
 *
 * Columns are the endpoints ("ip:port", or "ip" with by = "host") in order of
 * first appearance, with user aliases applied; rows are the SIP messages in
 * frame order, with the RTP streams of the calls (when asked for) placed
 * among them by their start time. Renderers never look at the Report again:
 * whatever they show comes from here.
 */
import type { Call, CallMessage, Report, RtpStream } from '../../model.js';
import { aliasOf, type Aliases } from '../../aliases.js';
import { hostOf } from '../../net/addr.js';
import { responseClass, type ResponseClass } from '../status.js';
import { outcomeAndState } from '../../filter.js';

export type GroupBy = 'port' | 'host';
/** Accepted values of LadderOptions.by (`ladder --by`). */
export const GROUP_BY: readonly GroupBy[] = ['port', 'host'];

/** How rows follow each other: by frame number (file order, Wireshark's flow) or by timestamp. */
export type RowOrder = 'frame' | 'time';
/** Accepted values of LadderOptions.rows (`ladder --rows`). */
export const ROW_ORDERS: readonly RowOrder[] = ['frame', 'time'];

export interface LadderOptions {
  /** Columns per "ip:port" (default) or per IP address. */
  by?: GroupBy;
  /** Names for endpoints (src/aliases.ts): "ip" names every port of it, "ip:port" one endpoint (wins over "ip"). */
  aliases?: Aliases;
  /** Show the SDP summary of messages that carry SDP (CallMessage.sdpSummary). */
  sdp?: boolean;
  /** Draw the calls' RTP streams as spans. */
  rtp?: boolean;
  /**
   * Columns to put first, in this order (alias names, "ip" or "ip:port");
   * the others follow in order of first appearance.
   */
  order?: string[];
  /**
   * Rows in frame order (default) or by time: a capture merged from several
   * interfaces can have timestamps that go backwards in frame order.
   */
  rows?: RowOrder;
  /** Draw at most this many RTP spans, the ones with the most packets (Ladder.streamsCut counts the others). */
  maxStreams?: number;
  /**
   * Draw at most this many rows (messages first in their order, then the
   * spans that start before the last one kept); Ladder.rowsCut counts the
   * others. Default: all.
   */
  maxRows?: number;
  /**
   * Stop at the first message that would open a column past this many
   * (a flood of one-message dialogs merged would be as wide as it is long);
   * the rest count in Ladder.rowsCut. Default: no limit.
   */
  maxColumns?: number;
}

/** Most dialogs a merged diagram's caption names one by one. */
export const CAPTION_CALLS = 50;

/** The CLI's limits for one diagram (`sipflow ladder`): beyond them the diagram stops with a note. */
export const LADDER_LIMITS = { maxRows: 10000, maxColumns: 60, maxStreams: 500 } as const;

export interface Participant {
  /** Stable key: the endpoint, or the IP with by = "host". */
  key: string;
  /** What the column header says: the alias, or the address. */
  name: string;
  /** The address when an alias names the column (shown under the name), else null. */
  address: string | null;
}

export interface MessageRow {
  kind: 'msg';
  frame: number;
  time: number;
  /** Column indexes. from === to for a message between two ports of one host with by = "host". */
  from: number;
  to: number;
  /** The label as Wireshark shows it ("INVITE (SDP)", "180 Ringing"). */
  label: string;
  request: boolean;
  status: number | null;
  retransmission: boolean;
  /** SDP summary to print under the arrow (only with opts.sdp and when known). */
  sdp: string | null;
  /** Index of the call the message belongs to. */
  call: number;
  transport: string;
}

export interface RtpRow {
  kind: 'rtp';
  frame: number;
  time: number;
  stop: number;
  from: number;
  to: number;
  /** "RTP opus/48000 · 812 pkts · 3.104–19.230 s" */
  label: string;
  codec: string;
  packets: number;
  lost: number;
  stream: number;
  call: number;
}

export type LadderRow = MessageRow | RtpRow;

export interface Ladder {
  /** Capture file the calls come from. */
  file: string;
  calls: Call[];
  participants: Participant[];
  rows: LadderRow[];
  /** True when rows of several calls are merged into one diagram. */
  merged: boolean;
  /** "Call 1: sip:alice@a -> sip:bob@b · DECLINED (REJECTED)", or a summary for merged ladders. */
  title: string;
  /** Call-IDs, one line per call (for captions). */
  subtitle: string;
  /** Short heading for image captions: "Call 1 · DECLINED (REJECTED)". */
  heading: string;
  /** One "from → to" line per call (prefixed by the call index when merged). */
  parties: string[];
  /** RTP spans left out (LadderOptions.maxStreams). */
  streamsCut: number;
  /** Rows left out (LadderOptions.maxRows). */
  rowsCut: number;
}

function kindName(c: Call): string {
  return c.kind === 'call' ? 'Call' : c.kind.charAt(0).toUpperCase() + c.kind.slice(1);
}

/** A caption's status: "DECLINED (REJECTED)", as the table's Outcome (State) column says it (filter.ts outcomeAndState). */
export function callStatus(c: Call): string {
  return outcomeAndState(c);
}

/** "Call 1 · DECLINED (REJECTED)" */
export function callHeading(c: Call): string {
  return `${kindName(c)} ${c.index} · ${callStatus(c)}${c.partial ? ' · partial' : ''}`;
}

/** "alice <sip:alice@a> → sip:bob@b" */
export function callParties(c: Call): string {
  const party = (uri: string, display: string | null) => (display ? `${display} <${uri}>` : uri);
  return `${party(c.from, c.fromDisplay)} → ${party(c.to, c.toDisplay)}`;
}

/** Short human label of a call's parties and state. */
export function callTitle(c: Call): string {
  return `${kindName(c)} ${c.index}: ${callParties(c)} · ${callStatus(c)}${c.partial ? ' · partial' : ''}`;
}

function fmtSec(x: number): string {
  return x.toFixed(3);
}

/** The label of an RTP span. */
export function rtpLabel(s: RtpStream): string {
  const lost = s.lost > 0 ? ` · ${s.lost} lost` : '';
  return `RTP ${s.codec || 'PT ' + s.payloadType} · ${s.packets} pkts${lost} · ${fmtSec(s.start)}–${fmtSec(s.stop)} s`;
}

interface StreamIndex { byIndex: Map<number, RtpStream>; byCallId: Map<string, RtpStream[]> }
const streamIndexes = new WeakMap<RtpStream[], StreamIndex>();

/** Streams by index and by Call-ID, built once per report (ladders of 1000 calls stay linear). */
function streamIndex(streams: RtpStream[]): StreamIndex {
  let ix = streamIndexes.get(streams);
  if (!ix || ix.byIndex.size !== streams.length) {
    ix = { byIndex: new Map(), byCallId: new Map() };
    for (const s of streams) {
      ix.byIndex.set(s.index, s);
      if (s.callId !== null) {
        const l = ix.byCallId.get(s.callId);
        if (l) l.push(s); else ix.byCallId.set(s.callId, [s]);
      }
    }
    streamIndexes.set(streams, ix);
  }
  return ix;
}

/** Streams of the calls: by the call's stream indexes, or by Call-ID. */
function streamsOf(report: Report, calls: Call[]): { s: RtpStream; call: number }[] {
  const out: { s: RtpStream; call: number }[] = [];
  const seen = new Set<number>();
  const ix = streamIndex(report.rtpStreams);
  for (const c of calls) {
    for (const i of c.streams) {
      const s = ix.byIndex.get(i);
      if (s && !seen.has(s.index)) { seen.add(s.index); out.push({ s, call: c.index }); }
    }
    for (const s of ix.byCallId.get(c.callId) ?? []) {
      if (!seen.has(s.index)) { seen.add(s.index); out.push({ s, call: c.index }); }
    }
  }
  return out;
}

/**
 * Lay out the ladder of `calls` (one call, or several merged into one
 * diagram) from `report`.
 */
export function buildLadder(report: Report, calls: Call[], opts: LadderOptions = {}): Ladder {
  const by = opts.by ?? 'port';
  const aliases = opts.aliases ?? {};
  const participants: Participant[] = [];
  const col = new Map<string, number>();
  const column = (ep: string): number => {
    const key = by === 'host' ? hostOf(ep) : ep;
    let i = col.get(key);
    if (i === undefined) {
      i = participants.length;
      col.set(key, i);
      // With by = "host" the key is the host, so only host aliases apply.
      const alias = aliasOf(aliases, key);
      participants.push({ key, name: alias ?? key, address: alias ? key : null });
    }
    return i;
  };

  const msgs: { m: CallMessage; call: number }[] = [];
  for (const c of calls) for (const m of c.messages) msgs.push({ m, call: c.index });
  if (calls.length > 1) msgs.sort((a, b) => a.m.frame - b.m.frame);

  const rows: LadderRow[] = [];
  let rowsCut = 0;
  if (opts.maxRows !== undefined && msgs.length > opts.maxRows) {
    rowsCut = msgs.length - opts.maxRows;
    msgs.length = Math.max(0, opts.maxRows);
  }
  const keyOf = (ep: string) => (by === 'host' ? hostOf(ep) : ep);
  for (let k = 0; k < msgs.length; k++) {
    const { m, call } = msgs[k]!;
    if (opts.maxColumns !== undefined) {
      const a = keyOf(m.src), b = keyOf(m.dst);
      const opened = (col.has(a) ? 0 : 1) + (a !== b && !col.has(b) ? 1 : 0);
      if (participants.length + opened > opts.maxColumns) { rowsCut += msgs.length - k; msgs.length = k; break; }
    }
    const from = column(m.src);
    const to = column(m.dst);
    rows.push({
      kind: 'msg', frame: m.frame, time: m.time, from, to, label: m.label,
      request: m.method !== null, status: m.status, retransmission: m.retransmission,
      sdp: opts.sdp && m.sdpSummary ? m.sdpSummary : null, call, transport: m.transport,
    });
  }

  let streamsCut = 0;
  if (opts.rtp) {
    // Media goes on its host's lifeline, whatever its port (SIP columns are
    // per host:port, media ports are not SIP endpoints): the column of the
    // host's SIP endpoint whose SDP announced that address and port (first
    // by time), else the host's first SIP column; a host without SIP gets
    // one media column for all its ports, named by its address. With --by
    // host every column is a host already.
    const sipColumns = participants.length;
    const announcer = by === 'host' ? new Map<string, number>() : announcers(msgs.map((x) => x.m), col);
    const mediaHost = new Map<string, number>();
    const rtpColumn = (ep: string): number => {
      if (by === 'host' || col.has(ep)) return column(ep);
      const a = announcer.get(ep);
      if (a !== undefined) return a;
      const host = hostOf(ep);
      for (let i = 0; i < sipColumns; i++) if (hostOf(participants[i]!.key) === host) return i;
      let i = mediaHost.get(host);
      if (i === undefined) {
        i = participants.length;
        mediaHost.set(host, i);
        const alias = aliasOf(aliases, host);
        participants.push({ key: host, name: alias ?? host, address: alias ? host : null });
      }
      return i;
    };
    let found = streamsOf(report, calls);
    if (opts.maxStreams !== undefined && found.length > opts.maxStreams) {
      streamsCut = found.length - opts.maxStreams;
      found = [...found].sort((a, b) => b.s.packets - a.s.packets || a.s.index - b.s.index).slice(0, opts.maxStreams);
    }
    if (rowsCut && rows.length) {
      // Spans after the last message kept belong to the part left out.
      const last = rows[rows.length - 1]!.time;
      const before = found.length;
      found = found.filter((x) => x.s.start <= last);
      rowsCut += before - found.length;
    }
    const spans: RtpRow[] = found.map(({ s, call }) => ({
      kind: 'rtp', frame: s.firstFrame, time: s.start, stop: s.stop, from: rtpColumn(s.src), to: rtpColumn(s.dst),
      label: rtpLabel(s), codec: s.codec, packets: s.packets, lost: s.lost, stream: s.index, call,
    }));
    spans.sort((a, b) => a.time - b.time || a.frame - b.frame);
    if (opts.rows === 'time') rows.sort((a, b) => a.time - b.time || a.frame - b.frame);
    // Merge by time (messages stay in their order; a span goes before the first
    // message that comes later than it).
    const merged: LadderRow[] = [];
    let j = 0;
    for (const r of rows) {
      while (j < spans.length && (spans[j]!.time < r.time || (spans[j]!.time === r.time && spans[j]!.frame < r.frame))) merged.push(spans[j++]!);
      merged.push(r);
    }
    while (j < spans.length) merged.push(spans[j++]!);
    rows.splice(0, rows.length, ...merged);
  }

  else if (opts.rows === 'time') rows.sort((a, b) => a.time - b.time || a.frame - b.frame);

  if (opts.order?.length) reorder(participants, rows, opts.order);

  // Captions name at most CAPTION_CALLS dialogs: a merged flood would have a caption as long as the capture.
  const named = calls.length > CAPTION_CALLS ? calls.slice(0, CAPTION_CALLS) : calls;
  const more = calls.length - named.length;
  const moreText = more ? `, … ${more} more` : '';
  const title = calls.length === 1
    ? callTitle(calls[0]!)
    : `${calls.length} dialogs: ${named.map((c) => `${c.index} ${callStatus(c)}`).join(', ')}${moreText}`;
  const subtitle = named.map((c) => (calls.length > 1 ? `${c.index}: ` : '') + `Call-ID ${c.callId}`).join('\n') + (more ? `\n… ${more} more dialogs` : '');
  const heading = calls.length === 1 ? callHeading(calls[0]!) : `${calls.length} dialogs merged`;
  const parties = calls.length === 1 ? [callParties(calls[0]!)] : named.map((c) => `${c.index}: ${callParties(c)} · ${callStatus(c)} · Call-ID ${c.callId}`);
  if (more) parties.push(`… ${more} more dialogs`);
  return { file: report.file, calls, participants, rows, merged: calls.length > 1, title, subtitle, heading, parties, streamsCut, rowsCut };
}

/**
 * For each media endpoint ("ip:port") named in an SDP summary, the column of
 * the SIP endpoint on the same host that sent that SDP first (by time; frame
 * numbers of multi-interface captures do not follow time).
 */
function announcers(messages: CallMessage[], col: Map<string, number>): Map<string, number> {
  const best = new Map<string, { col: number; time: number }>();
  for (const m of messages) {
    if (!m.sdpSummary) continue;
    const from = col.get(m.src);
    if (from === undefined) continue;
    const host = hostOf(m.src);
    for (const part of m.sdpSummary.split('; ')) {
      const ep = /^\S+ \S+ (\S+)/.exec(part)?.[1];
      if (!ep || hostOf(ep) !== host) continue;
      const b = best.get(ep);
      if (!b || m.time < b.time) best.set(ep, { col: from, time: m.time });
    }
  }
  return new Map([...best].map(([ep, b]) => [ep, b.col]));
}

/**
 * The names in `order` (`ladder --order`) that match no column of any of the
 * ladders, for the command to reject; with them, the names it would accept.
 */
export function unknownColumns(list: Ladder[], order: string[]): { unknown: string[]; accepted: string[] } {
  const accepted = new Set<string>();
  for (const l of list) for (const p of l.participants) { accepted.add(p.name); accepted.add(p.key); accepted.add(hostOf(p.key)); }
  return { unknown: order.filter((o) => !accepted.has(o)), accepted: [...accepted] };
}

/** Move the columns named in `order` to the front (stable for the rest) and renumber rows. */
function reorder(participants: Participant[], rows: LadderRow[], order: string[]): void {
  const rank = (p: Participant): number => {
    for (let i = 0; i < order.length; i++) {
      const o = order[i]!;
      if (o === p.name || o === p.key || o === hostOf(p.key)) return i;
    }
    return order.length;
  };
  const idx = participants.map((p, i) => ({ p, i, r: rank(p) })).sort((a, b) => a.r - b.r || a.i - b.i);
  const map = new Array<number>(participants.length);
  idx.forEach((e, newI) => { map[e.i] = newI; });
  participants.splice(0, participants.length, ...idx.map((e) => e.p));
  for (const r of rows) { r.from = map[r.from]!; r.to = map[r.to]!; }
}

/**
 * Widen the gaps between adjacent columns (gaps[i] lies between columns i
 * and i + 1) until every row's label fits over its arrow: narrower spans
 * first, a span's missing room spread over its gaps from the left. Row i
 * needs need(i) across its span; a message to its own column needs
 * selfNeed(i) to the right of it. Text and SVG ladders differ only in units.
 */
export function widenGaps(gaps: number[], rows: LadderRow[], need: (i: number) => number, selfNeed: (i: number) => number): void {
  const spans = rows.map((r, i) => ({ a: Math.min(r.from, r.to), b: Math.max(r.from, r.to), need: need(i) }))
    .filter((s) => s.b > s.a)
    .sort((x, y) => x.b - x.a - (y.b - y.a));
  for (const s of spans) {
    let have = 0;
    for (let i = s.a; i < s.b; i++) have += gaps[i]!;
    let deficit = s.need - have;
    for (let i = s.a; i < s.b && deficit > 0; i++) {
      const add = Math.ceil(deficit / (s.b - i));
      gaps[i]! += add;
      deficit -= add;
    }
  }
  rows.forEach((r, i) => {
    if (r.from === r.to && r.from < gaps.length) gaps[r.from] = Math.max(gaps[r.from]!, selfNeed(i));
  });
}

/** Which label to draw: the Wireshark label plus a retransmission mark ("(retx)" where space is short). */
export function rowText(r: LadderRow, short = false): string {
  if (r.kind === 'rtp') return r.label;
  return r.retransmission ? `${r.label} ${short ? '(retx)' : '(retransmission)'}` : r.label;
}

/** Relative time as the margin shows it (microseconds, like Wireshark's flow). */
export function marginTime(t: number): string {
  return t.toFixed(6);
}

/** Call-ID made safe for a file name. */
export function sanitizeCallId(id: string, max = 60): string {
  const s = id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, max);
  return s || 'call';
}

/** File name of one call's diagram: "<index>-<sanitised Call-ID>.<ext>". */
export function diagramFileName(c: Call, ext: string): string {
  return `${c.index}-${sanitizeCallId(c.callId)}.${ext}`;
}

/** What a row is coloured by: its message's response class (../status.ts), or "rtp" for a stream span. */
export function rowClass(r: LadderRow): ResponseClass | 'rtp' {
  return r.kind === 'rtp' ? 'rtp' : responseClass(r.request, r.status);
}
