/**
 * Byte sources for the capture parser: a file path or "-" for standard input,
 * transparently gunzipped when the data starts with the gzip magic (as
 * Wireshark does). Yields chunks in order; never reads a whole file at once.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** One line, exit code 2: the input cannot be used at all. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export interface ChunkSource {
  chunks: AsyncIterable<Uint8Array>;
  /** Set once the first bytes were seen. */
  gzip(): boolean;
  /** Size of the file on disk, or null for stdin (for progress). */
  size: number | null;
  /** Compressed bytes consumed so far (for progress on gzip files). */
  consumed(): number;
}

const CHUNK = 1 << 20;

/** `chunkBytes`: read size (1 MiB by default; a probe that wants the first frame only asks for less). */
export async function openSource(path: string, opts: { chunkBytes?: number } = {}): Promise<ChunkSource> {
  let stream: Readable;
  let size: number | null = null;
  if (path === '-') {
    stream = process.stdin;
  } else {
    try {
      const st = await stat(path);
      if (st.isDirectory()) throw new InputError(`${path}: is a directory, not a capture file`);
      size = st.size;
    } catch (e) {
      if (e instanceof InputError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(`${path}: cannot open (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? e)})`);
    }
    stream = createReadStream(path, { highWaterMark: opts.chunkBytes ?? CHUNK });
  }
  let isGzip = false;
  let consumed = 0;
  async function* gen(): AsyncGenerator<Uint8Array> {
    const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    let first: Uint8Array | null = null;
    // Gather at least two bytes to decide on gzip.
    let head: Uint8Array = new Uint8Array(0);
    while (head.length < 2) {
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } catch (e) {
        throw new InputError(`${path === '-' ? 'standard input' : path}: cannot read (${(e as Error).message})`);
      }
      if (r.done) break;
      head = head.length ? Buffer.concat([head, r.value]) : r.value;
    }
    first = head;
    consumed += first.length;
    if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) {
      isGzip = true;
      const gunzip = createGunzip({ chunkSize: CHUNK });
      // Feed compressed chunks in the background; errors surface through the gunzip stream.
      (async () => {
        try {
          gunzip.write(first);
          for (;;) {
            const r = await it.next();
            if (r.done) break;
            consumed += r.value.length;
            if (!gunzip.write(r.value)) await new Promise((res) => gunzip.once('drain', res));
          }
          gunzip.end();
        } catch (e) {
          gunzip.destroy(e as Error);
        }
      })();
      try {
        for await (const c of gunzip) yield c as Buffer;
      } catch (e) {
        // A gzip stream cut short is a truncated capture: report it as the end of input.
        const msg = (e as Error).message;
        throw new GzipTruncatedError(msg);
      }
      return;
    }
    if (first.length) yield first;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      consumed += r.value.length;
      yield r.value;
    }
  }
  // A reader that stops early (a parser that gave up, a probe that wanted the first frame only)
  // ends the generator: close the file then, instead of leaving its descriptor to the GC.
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try { yield* gen(); } finally { if (stream !== process.stdin) stream.destroy(); }
  }
  return { chunks: chunks(), gzip: () => isGzip, size, consumed: () => consumed };
}

/** The compressed stream ended early or was corrupt: everything before it was delivered. */
export class GzipTruncatedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'GzipTruncatedError';
  }
}
