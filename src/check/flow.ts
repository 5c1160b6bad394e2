/**
 * Expected call flows: the `.flow.yaml` (or JSON) file format, parsed into
 * patterns the matcher uses. The format is documented for users in the header
 * comment `snapshot` writes (FLOW_HEADER) and in docs/check.md.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { InputError } from '../capture/source.js';
import { unbracketed } from '../net/addr.js';
import { compilePattern, normalizeState, regexLiteral, type ValuePattern } from './pattern.js';

export const FLOW_FORMAT = 'sipflow-flow/1';

/** A flow file that cannot be used: exits 2 like any unusable input. */
export class FlowError extends InputError {
  constructor(file: string, line: number | null, message: string) {
    super(`${file}${line ? `:${line}` : ''}: ${message}`);
    this.name = 'FlowError';
  }
}

/** What a step says about the message itself (the part after "A -> B:"). */
export interface StepWhat {
  /** As written, without quantifier and flags. */
  source: string;
  /** `*`: any message. */
  any: boolean;
  /** `/regex/`: tested against "METHOD" or "CODE REASON". */
  regex: RegExp | null;
  /** Request method pattern (glob allowed), or null for a response step. */
  method: ValuePattern | null;
  /** Status code pattern ("486", "18*", "4xx"), or null for a request step. */
  status: ValuePattern | null;
  /** The reason phrase as written: informational, never compared. */
  reason: string | null;
  /** "(SDP)" was written: the message must carry SDP. */
  sdp: boolean;
}

export interface FlowStep {
  /** 1-based position in the call's message list. */
  number: number;
  /** Canonical text, e.g. "caller -> proxy: INVITE (SDP)". */
  text: string;
  /** Participant names, or "*" for anyone. */
  from: string;
  to: string;
  what: StepWhat;
  /** How many times the step occurs: ? = 0..1, + = 1..n, +? = 0..n. */
  min: 0 | 1;
  repeat: boolean;
  /** Written "(retransmission)": only checked with --strict-retransmissions. */
  retransmission: boolean;
  line: number | null;
}

export interface MediaExpect {
  /** Every stream's codec matches one of these, and each is seen in some stream. */
  codecs: ValuePattern[] | null;
  /** Every RTP stream has a stream flowing back the other way. */
  bothDirections: boolean | null;
  maxLossPct: number | null;
  maxJitterMs: number | null;
  /** Every scored audio stream's E-model MOS (RtpStream.mos) is at least this. */
  minMos: number | null;
  line: number | null;
}

export interface ExpectedCall {
  /** 1-based position in the flow file. */
  number: number;
  name: string | null;
  kind: ValuePattern | null;
  from: ValuePattern | null;
  to: ValuePattern | null;
  state: ValuePattern | null;
  outcome: ValuePattern | null;
  partial: boolean | null;
  /** The call may be absent. */
  optional: boolean;
  /** Any number of actual calls may match this one (at least one unless optional). */
  repeat: boolean;
  /** null when the file gives no message list (messages are then not compared). */
  messages: FlowStep[] | null;
  media: MediaExpect | null;
  line: number | null;
}

export type FlowScope = 'invite' | 'all';

export interface Flow {
  file: string;
  /** Informational: the capture the flow was taken from. */
  capture: string | null;
  /** Which dialogs of the capture are compared: INVITE dialogs only, or all. */
  scope: FlowScope;
  /** Address ("ip" or "ip:port") -> participant name; pins those names to those addresses. */
  aliases: Record<string, string>;
  calls: ExpectedCall[];
}

const NAME_RE = /^(?:\*|[^\s:>]+)$/;
const STEP_RE = /^\s*(\S+?)\s*->\s*([^\s:]+)\s*:\s*(.*?)\s*$/s;
const STATUS_TOKEN = /^(?:[1-6xX*][0-9xX*]{0,2})$/;

/** Parse one step string ("caller -> proxy: 180 Ringing?"). Throws Error with the reason. */
export function parseStep(text: string, number = 1, line: number | null = null, extra: { optional?: boolean; repeat?: boolean; retransmission?: boolean } = {}): FlowStep {
  const m = STEP_RE.exec(text);
  if (!m) throw new Error(`a message is written "FROM -> TO: WHAT" (e.g. "caller -> proxy: INVITE"), got "${text}"`);
  const from = m[1]!;
  const to = m[2]!;
  for (const n of [from, to]) {
    if (!NAME_RE.test(n)) throw new Error(`"${n}" is not a participant name (a word without spaces or ":", or "*") in "${text}"`);
  }
  let rest = m[3]!;
  let min: 0 | 1 = 1;
  let repeat = false;
  // Quantifier: the last one or two characters, ? and/or + (but never eat a regex's own).
  // A regex literal ends with "/" or its flags, so a trailing ? or + is always a quantifier.
  const q = /([?+]{1,2})$/.exec(rest);
  if (q) {
    const mark = q[1]!;
    if (mark.length === 2 && mark[0] === mark[1]) throw new Error(`"${mark}" is not a quantifier (use ?, + or +?) in "${text}"`);
    if (mark.includes('?')) min = 0;
    if (mark.includes('+')) repeat = true;
    rest = rest.slice(0, rest.length - mark.length).trimEnd();
  }
  let sdp = false;
  let retransmission = false;
  for (;;) {
    const f = /\s*\((SDP|retransmission)\)$/i.exec(rest);
    if (!f || regexLiteral(rest)) break;
    if (f[1]!.toLowerCase() === 'sdp') sdp = true; else retransmission = true;
    rest = rest.slice(0, f.index).trimEnd();
  }
  if (!rest) throw new Error(`nothing after ":" in "${text}" (write a method, a status code, "*" or /regex/)`);
  if (extra.optional) min = 0;
  if (extra.repeat) repeat = true;
  if (extra.retransmission) retransmission = true;
  const what: StepWhat = { source: rest, any: false, regex: null, method: null, status: null, reason: null, sdp };
  let re: RegExp | null;
  try { re = regexLiteral(rest); } catch (e) { throw new Error(`invalid regular expression ${rest}: ${(e as Error).message}`); }
  if (rest === '*') what.any = true;
  else if (re) what.regex = re;
  else {
    const sp = rest.search(/\s/);
    const token = sp < 0 ? rest : rest.slice(0, sp);
    const reason = sp < 0 ? null : rest.slice(sp).trim();
    if (STATUS_TOKEN.test(token) && token !== '*') {
      const src = '/^' + token.replace(/[xX]/g, '\\d').replace(/\*/g, '\\d*') + '$/';
      what.status = compilePattern(src);
      what.reason = reason;
    } else {
      if (reason) throw new Error(`a request step names only the method, got "${rest}" in "${text}"`);
      if (!/^[A-Za-z*][A-Za-z0-9*_.!%~'`+-]*$/.test(token)) throw new Error(`"${token}" is neither a SIP method nor a status code in "${text}"`);
      what.method = compilePattern(token.toUpperCase());
    }
  }
  const quant = min === 0 && repeat ? '+?' : min === 0 ? '?' : repeat ? '+' : '';
  const flags = (sdp ? ' (SDP)' : '') + (retransmission ? ' (retransmission)' : '');
  return {
    number, from, to, what, min, repeat, retransmission, line,
    text: `${from} -> ${to}: ${rest}${flags}${quant}`,
  };
}

// --- reading a flow file ----------------------------------------------------

type Path = (string | number)[];

class Reader {
  readonly lines = new LineCounter();
  readonly doc: Document;
  constructor(readonly file: string, text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
    const err = this.doc.errors[0];
    if (err) {
      const line = err.pos ? this.lines.linePos(err.pos[0]).line : null;
      throw new FlowError(file, line, `not valid YAML/JSON: ${err.message.split('\n')[0]}`);
    }
  }
  line(path: Path): number | null {
    const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const off = node && typeof node === 'object' && node.range ? node.range[0] : null;
    return off === null ? null : this.lines.linePos(off).line;
  }
  fail(path: Path, message: string): never {
    // The nearest node with a position names the line.
    for (let p = path; ; p = p.slice(0, -1)) {
      const l = p.length ? this.line(p) : null;
      if (l || !p.length) throw new FlowError(this.file, l, `${where(path)}${message}`);
    }
  }
}

function where(path: Path): string {
  if (!path.length) return '';
  return path.map((p, i) => typeof p === 'number' ? `[${p}]` : (i ? '.' : '') + p).join('') + ': ';
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const CALL_KEYS = new Set(['name', 'kind', 'from', 'to', 'state', 'outcome', 'partial', 'optional', 'repeat', 'messages', 'media', 'callId']);
const MEDIA_KEYS = new Set(['codecs', 'codec', 'bothDirections', 'maxLossPct', 'maxJitterMs', 'minMos']);
const TOP_KEYS = new Set(['format', 'capture', 'scope', 'aliases', 'calls']);

/** Parse a flow file's text (YAML, or JSON which is YAML too). Throws FlowError. */
export function parseFlow(text: string, file: string): Flow {
  const r: Reader = new Reader(file, text);
  let root: unknown;
  try {
    root = r.doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new FlowError(file, null, `not usable: ${(e as Error).message}`);
  }
  if (!isObj(root)) r.fail([], 'a flow file is a mapping with a "calls" list (see the header comment of a file written by "sipflow snapshot")');
  for (const k of Object.keys(root)) if (!TOP_KEYS.has(k)) r.fail([k], `unknown key "${k}" (known: ${[...TOP_KEYS].join(', ')})`);
  if (root.format !== undefined && root.format !== FLOW_FORMAT) {
    r.fail(['format'], `unsupported format "${String(root.format)}" (this sipflow reads ${FLOW_FORMAT})`);
  }
  const scope = root.scope ?? 'invite';
  if (scope !== 'invite' && scope !== 'all') r.fail(['scope'], `scope is "invite" or "all", got "${String(scope)}"`);
  const aliases: Record<string, string> = {};
  if (root.aliases !== undefined && root.aliases !== null) {
    if (!isObj(root.aliases)) r.fail(['aliases'], 'aliases map addresses to names, e.g. "192.0.2.1: proxy"');
    for (const [addr, name] of Object.entries(root.aliases)) {
      if (typeof name !== 'string' || !NAME_RE.test(name) || name === '*') r.fail(['aliases', addr], `alias name must be a word without spaces or ":", got ${JSON.stringify(name)}`);
      aliases[unbracketed(addr)] = name;
    }
  }
  if (!Array.isArray(root.calls)) r.fail(root.calls === undefined ? [] : ['calls'], 'a flow file needs a "calls" list');
  const calls = (root.calls as unknown[]).map((c, i) => parseCall(r, c, i));
  return { file, capture: typeof root.capture === 'string' ? root.capture : null, scope, aliases, calls };
}

function pattern(r: Reader, path: Path, v: unknown, normalize?: (s: string) => string): ValuePattern | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' && typeof v !== 'number') r.fail(path, `expected a value or pattern, got ${JSON.stringify(v)}`);
  try { return compilePattern(String(v), normalize); } catch (e) { return r.fail(path, (e as Error).message); }
}

function bool(r: Reader, path: Path, v: unknown): boolean | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'boolean') r.fail(path, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function num(r: Reader, path: Path, v: unknown): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) r.fail(path, `expected a number >= 0, got ${JSON.stringify(v)}`);
  return v;
}

function parseCall(r: Reader, c: unknown, i: number): ExpectedCall {
  const path: Path = ['calls', i];
  if (!isObj(c)) r.fail(path, 'each call is a mapping (kind, from, to, state, outcome, messages, media)');
  for (const k of Object.keys(c)) if (!CALL_KEYS.has(k)) r.fail([...path, k], `unknown key "${k}" (known: ${[...CALL_KEYS].join(', ')})`);
  let messages: FlowStep[] | null = null;
  if (c.messages !== undefined && c.messages !== null) {
    if (!Array.isArray(c.messages)) r.fail([...path, 'messages'], 'messages is a list of "FROM -> TO: WHAT" lines');
    messages = c.messages.map((s: unknown, j: number) => parseStepItem(r, [...path, 'messages', j], s, j + 1));
  }
  let media: MediaExpect | null = null;
  if (c.media !== undefined && c.media !== null) {
    const mp: Path = [...path, 'media'];
    if (!isObj(c.media)) r.fail(mp, 'media is a mapping (codecs, bothDirections, maxLossPct, maxJitterMs, minMos)');
    for (const k of Object.keys(c.media)) if (!MEDIA_KEYS.has(k)) r.fail([...mp, k], `unknown key "${k}" (known: codecs, bothDirections, maxLossPct, maxJitterMs, minMos)`);
    const raw = c.media.codecs ?? c.media.codec;
    const list = raw === undefined || raw === null ? null : Array.isArray(raw) ? raw : [raw];
    media = {
      codecs: list ? list.map((x, k) => pattern(r, [...mp, 'codecs', k], x)!) : null,
      bothDirections: bool(r, [...mp, 'bothDirections'], c.media.bothDirections),
      maxLossPct: num(r, [...mp, 'maxLossPct'], c.media.maxLossPct),
      maxJitterMs: num(r, [...mp, 'maxJitterMs'], c.media.maxJitterMs),
      minMos: num(r, [...mp, 'minMos'], c.media.minMos),
      line: r.line(mp),
    };
  }
  return {
    number: i + 1,
    name: c.name === undefined || c.name === null ? null : String(c.name),
    kind: pattern(r, [...path, 'kind'], c.kind),
    from: pattern(r, [...path, 'from'], c.from),
    to: pattern(r, [...path, 'to'], c.to),
    state: pattern(r, [...path, 'state'], c.state, normalizeState),
    outcome: pattern(r, [...path, 'outcome'], c.outcome, normalizeState),
    partial: bool(r, [...path, 'partial'], c.partial),
    optional: bool(r, [...path, 'optional'], c.optional) ?? false,
    repeat: bool(r, [...path, 'repeat'], c.repeat) ?? false,
    messages, media,
    line: r.line(path),
  };
}

/**
 * A step is written as a string ("caller -> proxy: INVITE"), as the one-key
 * mapping YAML makes of it unquoted ({"caller -> proxy": "INVITE"}, possibly
 * with optional/repeat/retransmission keys beside it), or as
 * {msg: "...", optional: true, repeat: true}.
 */
function parseStepItem(r: Reader, path: Path, item: unknown, number: number): FlowStep {
  const line = r.line(path);
  let text: string;
  const extra: { optional?: boolean; repeat?: boolean; retransmission?: boolean } = {};
  if (typeof item === 'string') text = item;
  else if (isObj(item)) {
    const flags = ['optional', 'repeat', 'retransmission'] as const;
    for (const f of flags) {
      if (item[f] !== undefined) extra[f] = bool(r, [...path, f], item[f]) ?? false;
    }
    const others = Object.keys(item).filter((k) => !(flags as readonly string[]).includes(k));
    if (others.length === 1 && (others[0] === 'msg' || others[0] === 'message') && typeof item[others[0]!] === 'string') {
      text = item[others[0]!] as string;
    } else if (others.length === 1 && others[0]!.includes('->')) {
      const v = item[others[0]!];
      if (v === null || v === undefined) r.fail(path, `nothing after ":" in "${others[0]}" (write "*" in quotes for any message)`);
      if (typeof v !== 'string' && typeof v !== 'number') r.fail(path, `the message after "${others[0]}:" must be text`);
      text = `${others[0]}: ${String(v)}`;
    } else {
      return r.fail(path, 'a message is "FROM -> TO: WHAT", or {msg: "FROM -> TO: WHAT", optional: true, repeat: true}');
    }
  } else {
    return r.fail(path, `a message is "FROM -> TO: WHAT", got ${JSON.stringify(item)}`);
  }
  try {
    return parseStep(text, number, line, extra);
  } catch (e) {
    return r.fail(path, (e as Error).message);
  }
}

/** Does the step's WHAT describe this message? */
export function whatMatches(w: StepWhat, m: { method: string | null; status: number | null; reason: string | null; sdp: boolean }): boolean {
  if (w.sdp && !m.sdp) return false;
  if (w.any) return true;
  if (w.regex) {
    const label = m.method ?? `${m.status ?? ''}${m.reason ? ' ' + m.reason : ''}`;
    w.regex.lastIndex = 0;
    return w.regex.test(label);
  }
  if (w.method) return m.method !== null && w.method.test(m.method.toUpperCase());
  if (w.status) return m.status !== null && w.status.test(String(m.status));
  return false;
}
