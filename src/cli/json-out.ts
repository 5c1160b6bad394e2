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

/** JSON.stringify(value, null, 2) + '\n' to `out`, in pieces of about CHUNK characters. */
export function writeJson(out: Pick<Writable, 'write'>, value: unknown): void {
  let buf = '';
  const emit = (s: string) => { buf += s; if (buf.length >= CHUNK) { out.write(buf); buf = ''; } };
  const leaf = (v: unknown, indent: string): string => {
    const s = JSON.stringify(v, null, 2);
    return indent ? s.replace(/\n/g, '\n' + indent) : s;
  };
  /** Lay out `v` at `indent`; `depth` levels are laid out here, deeper ones by JSON.stringify. */
  const walk = (v: unknown, indent: string, depth: number): void => {
    if (depth === 0 || !container(v)) { emit(leaf(v, indent)); return; }
    const inner = indent + '  ';
    if (Array.isArray(v)) {
      if (v.length === 0) { emit('[]'); return; }
      emit('[');
      for (let i = 0; i < v.length; i++) {
        let e = prepared(String(i), v[i]);
        // An array writes what JSON cannot hold as null.
        if (e === undefined || typeof e === 'function' || typeof e === 'symbol') e = null;
        emit((i ? ',\n' : '\n') + inner);
        walk(e, inner, depth - 1);
      }
      emit('\n' + indent + ']');
      return;
    }
    let first = true;
    for (const k of Object.keys(v)) {
      const e = prepared(k, v[k]);
      // An object leaves such members out.
      if (e === undefined || typeof e === 'function' || typeof e === 'symbol') continue;
      emit((first ? '{\n' : ',\n') + inner + JSON.stringify(k) + ': ');
      first = false;
      walk(e, inner, depth - 1);
    }
    emit(first ? '{}' : '\n' + indent + '}');
  };
  const top = prepared('', value);
  if (top === undefined || typeof top === 'function' || typeof top === 'symbol') {
    // JSON.stringify gives undefined; `+ '\n'` made that the text "undefined\n".
    out.write('undefined\n');
    return;
  }
  walk(top, '', 3);
  emit('\n');
  if (buf) out.write(buf);
}
