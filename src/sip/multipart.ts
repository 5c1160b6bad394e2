/**
 * multipart/* bodies (RFC 2046 §5.1) and finding the SDP inside a SIP body
 * (RFC 5621: SDP alone, or as a part of multipart/mixed or
 * multipart/alternative, possibly nested, e.g. next to ISUP or a PIDF-LO).
 *
 * Works on the body text (the parser's `body`, latin1 or UTF-8). Lenient:
 * CRLF or bare LF line ends, a missing close delimiter (the last part runs to
 * the end), transport padding after a delimiter. Never throws.
 */
import { parseParams, type Params } from './uri.js';

/** One part of a multipart body. */
export interface BodyPart {
  /** The part's Content-Type value as written, or null (RFC 2046 default: text/plain). */
  contentType: string | null;
  /** Part headers in order (names as written, values trimmed and unfolded). */
  headers: { name: string; value: string }[];
  body: string;
}

/** A Content-Type value split into its media type (lower-case) and parameters. */
export interface ContentType {
  /** "application/sdp", lower-case, without parameters. */
  mediaType: string;
  type: string;
  subtype: string;
  params: Params;
}

/** Parse a Content-Type value ("multipart/mixed;boundary=unique-boundary-1"). */
export function parseContentType(value: string): ContentType {
  const semi = value.indexOf(';');
  const mt = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const slash = mt.indexOf('/');
  return {
    mediaType: mt,
    type: slash < 0 ? mt : mt.slice(0, slash).trim(),
    subtype: slash < 0 ? '' : mt.slice(slash + 1).trim(),
    params: semi < 0 ? {} : parseParams(value, semi),
  };
}

/** The media type of a Content-Type value, lower-case, without parameters ("application/sdp"). */
export function mediaTypeOf(contentType: string | null): string {
  if (!contentType) return '';
  const semi = contentType.indexOf(';');
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase().replace(/\s*\/\s*/, '/');
}

/** The boundary parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const semi = contentType.indexOf(';');
  if (semi < 0) return null;
  const b = parseParams(contentType, semi)['boundary'];
  return b ? b : null;
}

/** Most parts returned from one multipart body. */
export const MAX_PARTS = 64;
/** Deepest multipart nesting findSdp descends into. */
export const MAX_MULTIPART_DEPTH = 4;

/**
 * Index of the next delimiter "--boundary" at or after `from` that starts a
 * line and is followed by "--", padding or the line end, or -1.
 */
function nextDelimiter(body: string, delim: string, from: number): number {
  let i = from;
  for (;;) {
    i = body.indexOf(delim, i);
    if (i < 0) return -1;
    if (i === 0 || body.charCodeAt(i - 1) === 10) {
      const j = i + delim.length;
      const c = j < body.length ? body.charCodeAt(j) : 10;
      if (c === 45 || c === 32 || c === 9 || c === 13 || c === 10) return i;
    }
    i += 1;
  }
}

/**
 * Split a multipart body into its parts; the preamble (before the first
 * delimiter) and the epilogue (after the close delimiter) are dropped.
 * Returns [] when the Content-Type has no boundary or no delimiter is found.
 */
export function splitMultipart(contentType: string, body: string): BodyPart[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) return [];
  const delim = '--' + boundary;
  const parts: BodyPart[] = [];
  let d = nextDelimiter(body, delim, 0);
  while (d >= 0 && parts.length < MAX_PARTS) {
    let p = d + delim.length;
    if (body.startsWith('--', p)) break; // close delimiter: the rest is epilogue
    // Transport padding, then the line break that ends the delimiter line.
    while (p < body.length && (body.charCodeAt(p) === 32 || body.charCodeAt(p) === 9)) p++;
    if (body.charCodeAt(p) === 13) p++;
    if (body.charCodeAt(p) === 10) p++;
    const next = nextDelimiter(body, delim, p);
    let e = next < 0 ? body.length : next;
    // The line break before a delimiter belongs to the delimiter.
    if (next >= 0 && e > p && body.charCodeAt(e - 1) === 10) {
      e--;
      if (e > p && body.charCodeAt(e - 1) === 13) e--;
    }
    parts.push(parsePart(body, p, e));
    d = next;
  }
  return parts;
}

/** Headers and body of one part in body[p, e). */
function parsePart(body: string, p: number, e: number): BodyPart {
  const headers: { name: string; value: string }[] = [];
  let pos = p;
  let bodyStart = e;
  while (pos < e) {
    let nl = body.indexOf('\n', pos);
    if (nl < 0 || nl >= e) nl = e;
    let le = nl;
    if (le > pos && body.charCodeAt(le - 1) === 13) le--;
    if (le === pos) { bodyStart = Math.min(nl + 1, e); break; }
    const line = body.slice(pos, le);
    const c0 = line.charCodeAt(0);
    if ((c0 === 32 || c0 === 9) && headers.length) {
      const last = headers[headers.length - 1]!;
      last.value = (last.value + ' ' + line.trim()).trim();
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) {
        // Not a header: the part has no header block (lenient), all of it is body.
        headers.length = 0;
        bodyStart = p;
        break;
      }
      headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
    }
    pos = nl + 1;
  }
  let contentType: string | null = null;
  for (const h of headers) {
    if (h.name.toLowerCase() === 'content-type' || h.name === 'c') { contentType = h.value; break; }
  }
  return { contentType, headers, body: bodyStart < e ? body.slice(bodyStart, e) : '' };
}

/**
 * The SDP text of a SIP body: the body itself when the Content-Type is
 * application/sdp, or the first application/sdp part of a multipart body
 * (nested multiparts searched depth-first). Null when there is none.
 */
export function findSdp(contentType: string | null, body: string): string | null {
  return findSdpAt(contentType, body, 0);
}

function findSdpAt(contentType: string | null, body: string, depth: number): string | null {
  if (!body || !contentType) return null;
  const mt = mediaTypeOf(contentType);
  if (mt === 'application/sdp') return body;
  if (!mt.startsWith('multipart/') || depth >= MAX_MULTIPART_DEPTH) return null;
  for (const part of splitMultipart(contentType, body)) {
    const found = findSdpAt(part.contentType, part.body, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
