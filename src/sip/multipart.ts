/** multipart/* bodies (RFC 2046) and finding the SDP inside a SIP body. */
import { parseParams } from './uri.js';

export interface BodyPart {
  contentType: string | null;
  headers: { name: string; value: string }[];
  body: string;
}

/** The boundary parameter of a multipart Content-Type, or null. */
export function boundaryOf(contentType: string): string | null {
  const semi = contentType.indexOf(';');
  if (semi < 0) return null;
  return parseParams(contentType.slice(semi + 1))['boundary'] ?? null;
}

/** Split a multipart body into its parts (preamble and epilogue dropped). */
export function splitMultipart(contentType: string, body: string): BodyPart[] {
  const boundary = boundaryOf(contentType);
  if (!boundary) return [];
  const delim = '--' + boundary;
  const parts: BodyPart[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    let start = pos + delim.length;
    if (body.startsWith('--', start)) break; // closing delimiter
    // Skip transport padding and the line break after the delimiter.
    while (start < body.length && (body[start] === ' ' || body[start] === '\t')) start++;
    if (body[start] === '\r') start++;
    if (body[start] === '\n') start++;
    const next = body.indexOf(delim, start);
    let chunk = body.slice(start, next >= 0 ? next : body.length);
    // The line break before the next delimiter belongs to the delimiter.
    if (chunk.endsWith('\r\n')) chunk = chunk.slice(0, -2);
    else if (chunk.endsWith('\n')) chunk = chunk.slice(0, -1);
    const m = /\r?\n\r?\n/.exec(chunk);
    const headText = m ? chunk.slice(0, m.index) : (chunk.startsWith('\r\n') || chunk.startsWith('\n') ? '' : chunk);
    const partBody = m ? chunk.slice(m.index + m[0].length) : (headText === chunk ? '' : chunk.replace(/^\r?\n/, ''));
    const headers = headText.split(/\r?\n/).filter((l) => l.includes(':')).map((l) => {
      const c = l.indexOf(':');
      return { name: l.slice(0, c).trim(), value: l.slice(c + 1).trim() };
    });
    const ct = headers.find((h) => h.name.toLowerCase() === 'content-type')?.value ?? null;
    parts.push({ contentType: ct, headers, body: partBody });
    if (next < 0) break;
    pos = next;
  }
  return parts;
}

/** The SDP text of a body: a plain application/sdp body, or the first SDP part of a multipart body. */
export function findSdp(contentType: string | null, body: string): string | null {
  if (!body || !contentType) return null;
  const ct = contentType.toLowerCase();
  if (ct.startsWith('application/sdp')) return body;
  if (ct.startsWith('multipart/')) {
    for (const p of splitMultipart(contentType, body)) {
      const pct = p.contentType?.toLowerCase() ?? '';
      if (pct.startsWith('application/sdp')) return p.body;
      if (pct.startsWith('multipart/')) {
        const inner = findSdp(p.contentType, p.body);
        if (inner) return inner;
      }
    }
  }
  return null;
}
