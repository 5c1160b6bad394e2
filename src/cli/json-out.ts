/**
 * `JSON.stringify(value, null, 2) + '\n'`, written in pieces: the top two
 * levels (the report object, its arrays of calls and streams) are laid out
 * here and each element is stringified on its own, so a report of thousands
 * of calls never exists as one string (plus its copy as bytes) beside the
 * report itself. The bytes are the same as JSON.stringify's: a nested
 * element's text is indented by replacing its line breaks, which JSON text
 * only has between tokens (a string's line break is written \n).
 */
import type { Writable } from 'node:stream';
import { machineTextForTerminal } from '../render/escape.js';

/** Pieces are gathered up to this many characters before a write. */
const CHUNK = 1 << 16;

/** The value as JSON.stringify would see it after toJSON; undefined for what it leaves out. */
function prepared(key: string, v: unknown): unknown {
  if (v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    return (v as { toJSON(k: string): unknown }).toJSON(key);
  }
  return v;
}

/** A plain object or array this writer lays out itself (anything else goes to JSON.stringify whole). */
function container(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A container small enough to stringify in one piece (every member a
 * primitive or a container of at most SMALL members): the same text as laying
 * it out member by member, at a fraction of the calls.
 */
const SMALL = 64;
function small(v: Record<string, unknown> | unknown[]): boolean {
  if (Array.isArray(v)) {
    if (v.length > SMALL) return false;
    for (let i = 0; i < v.length; i++) if (!smallMember(v[i])) return false;
    return true;
  }
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k) && !smallMember(v[k])) return false;
  return true;
}
function smallMember(e: unknown): boolean {
  if (e === null || typeof e !== 'object') return true;
  if (Array.isArray(e)) return e.length <= SMALL;
  const proto = Object.getPrototypeOf(e) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  let n = 0;
  for (const k in e) if (Object.prototype.hasOwnProperty.call(e, k) && ++n > SMALL) return false;
  return true;
}

/** Nesting that JSON.stringify(…, null, 2) indents by `indent` (spaces, two per level), and the text around the value it puts there. */
const wrappers = new Map<string, { wrap: (v: unknown) => unknown; prefix: number; suffix: number } | null>();
function wrapper(indent: string) {
  let w = wrappers.get(indent);
  if (w === undefined) {
    const levels = indent.length / 2;
    if (!/^ *$/.test(indent) || indent.length % 2 || levels > 8) w = null;
    else {
      const wrap = (v: unknown): unknown => { let x: unknown = v; for (let i = 0; i < levels; i++) x = [x]; return x; };
      const probe = JSON.stringify(wrap(0), null, 2);
      const at = probe.indexOf('0');
      w = { wrap, prefix: at, suffix: probe.length - at - 1 };
    }
    wrappers.set(indent, w);
  }
  return w;
}

/** JSON.stringify(value, null, 2) + '\n' as a sequence of pieces (their concatenation is that text). */
export function* jsonPieces(value: unknown): Generator<string, void, undefined> {
  const leaf = (v: unknown, indent: string): string => {
    if (!indent) return JSON.stringify(v, null, 2);
    const w = wrapper(indent);
    // JSON.stringify indents `v` itself when it is nested as deep as `indent` says; the
    // wrapper's text around it is cut off (a value with toJSON would see another key there).
    if (w && (v === null || typeof v !== 'object' || typeof (v as { toJSON?: unknown }).toJSON !== 'function')) {
      const s = JSON.stringify(w.wrap(v), null, 2);
      return s.slice(w.prefix, s.length - w.suffix);
    }
    return JSON.stringify(v, null, 2).replace(/\n/g, '\n' + indent);
  };
  /** Lay out `v` at `indent`; `depth` levels are laid out here, deeper ones by JSON.stringify. */
  function* walk(v: unknown, indent: string, depth: number): Generator<string, void, undefined> {
    if (depth === 0 || !container(v) || (depth === 1 && small(v))) { yield leaf(v, indent); return; }
    const inner = indent + '  ';
    if (Array.isArray(v)) {
      if (v.length === 0) { yield '[]'; return; }
      yield '[';
      for (let i = 0; i < v.length; i++) {
        let e = prepared(String(i), v[i]);
        // An array writes what JSON cannot hold as null.
        if (e === undefined || typeof e === 'function' || typeof e === 'symbol') e = null;
        yield (i ? ',\n' : '\n') + inner;
        yield* walk(e, inner, depth - 1);
      }
      yield '\n' + indent + ']';
      return;
    }
    let first = true;
    for (const k of Object.keys(v)) {
      const e = prepared(k, v[k]);
      // An object leaves such members out.
      if (e === undefined || typeof e === 'function' || typeof e === 'symbol') continue;
      yield (first ? '{\n' : ',\n') + inner + JSON.stringify(k) + ': ';
      first = false;
      yield* walk(e, inner, depth - 1);
    }
    yield first ? '{}' : '\n' + indent + '}';
  }
  const top = prepared('', value);
  if (top === undefined || typeof top === 'function' || typeof top === 'symbol') {
    // JSON.stringify gives undefined; `+ '\n'` made that the text "undefined\n".
    yield 'undefined\n';
    return;
  }
  yield* walk(top, '', 3);
  yield '\n';
}

/** Where writeJson writes: a stream's write, and its events when it can say it is full. */
export type JsonSink = Pick<Writable, 'write'> & Partial<Pick<Writable, 'once' | 'off'>> & { isTTY?: boolean };

/**
 * JSON.stringify(value, null, 2) + '\n' to `out`, in pieces of about CHUNK
 * characters, waiting for 'drain' whenever `out` says it is full: to a slow
 * pipe the text is made as fast as it is read, not queued whole in memory
 * (a 4 GB capture's report once peaked at 518 MB to a pipe, 282 MB to a file).
 */
export function writeJson(out: JsonSink, value: unknown): Promise<void> {
  return writePieces(out, jsonPieces(value));
}

/** The pieces to `out`, gathered to about CHUNK characters a write, waiting for 'drain' when it is full. */
export async function writePieces(out: JsonSink, pieces: Iterable<string>): Promise<void> {
  // On a terminal, packet text must not act on the screen (machineTextForTerminal: the same JSON values).
  const tty = out.isTTY === true;
  let buf = '';
  for (const piece of pieces) {
    buf += piece;
    if (buf.length < CHUNK) continue;
    const more = out.write(tty ? machineTextForTerminal(buf) : buf);
    buf = '';
    if (more === false && out.once) await drained(out);
  }
  if (buf) out.write(tty ? machineTextForTerminal(buf) : buf);
}

/** Resolves when `out` drains, or closes or fails (a reader that went away ends the waiting too). */
export function drained(out: JsonSink): Promise<void> {
  return new Promise((resolve) => {
    const done = () => { out.off?.('drain', done); out.off?.('close', done); out.off?.('error', done); resolve(); };
    out.once!('drain', done); out.once!('close', done); out.once!('error', done);
  });
}
