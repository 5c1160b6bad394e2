/**
 * Byte sources for the capture parser: a file path or "-" for standard input,
 * transparently gunzipped when the data starts with the gzip magic (as
 * Wireshark does). Yields chunks in order; never reads a whole file at once.
 */
import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
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
  let stream: Readable | null = null;
  let file: FileHandle | null = null;
  let size: number | null = null;
  const chunkBytes = opts.chunkBytes ?? CHUNK;
  if (path === '-') {
    stream = process.stdin;
  } else {
    const cannotOpen = (e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      return new InputError(`${path}: cannot open (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : String(code ?? e)})`);
    };
    let regular = false;
    try {
      const st = await stat(path);
      if (st.isDirectory()) throw new InputError(`${path}: is a directory, not a capture file`);
      size = st.size;
      regular = st.isFile();
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw cannotOpen(e);
    }
    // A regular file is read ahead (readAhead); a FIFO or device (a process substitution, /dev/stdin) as a stream.
    if (regular) {
      try { file = await open(path, 'r'); } catch (e) { throw cannotOpen(e); }
    } else stream = createReadStream(path, { highWaterMark: chunkBytes });
  }
  let isGzip = false;
  let consumed = 0;
  async function* gen(): AsyncGenerator<Uint8Array> {
    const it = file ? readAhead(file, chunkBytes, path) : stream![Symbol.asyncIterator]() as AsyncIterator<Buffer>;
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
      yield* gunzipChunks(first, it, (n) => { consumed += n; }, path === '-' ? 'standard input' : path);
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
    try { yield* gen(); } finally {
      if (file) await file.close().catch(() => undefined);
      else if (stream !== process.stdin) stream!.destroy();
    }
  }
  return { chunks: chunks(), gzip: () => isGzip, size, consumed: () => consumed };
}

/**
 * A regular file's chunks, the next one always being read while the caller
 * works on the one it was given: a stream only starts its next read once its
 * buffer is taken, so the parse and the read took turns (the analysis of a
 * 170 MB capture sat idle a fifth of the time). Each chunk is a fresh Buffer:
 * frames and SIP messages keep views into it.
 */
function readAhead(file: FileHandle, chunkBytes: number, path: string): AsyncIterator<Buffer> {
  let position = 0;
  let ended = false;
  const start = (): Promise<Buffer> => {
    const buf = Buffer.allocUnsafeSlow(chunkBytes);
    return file.read(buf, 0, chunkBytes, position).then(({ bytesRead }) => {
      position += bytesRead;
      return bytesRead === chunkBytes ? buf : buf.subarray(0, bytesRead);
    }, (e: Error) => { throw new InputError(`${path}: cannot read (${e.message})`); });
  };
  let pending: Promise<Buffer> | null = null;
  return {
    async next(): Promise<IteratorResult<Buffer>> {
      if (ended) return { done: true, value: undefined };
      const chunk = await (pending ?? start());
      pending = null;
      if (chunk.length === 0) { ended = true; return { done: true, value: undefined }; }
      pending = start();
      // A read that fails while nobody waits for it is said by the next call, not as an unhandled rejection.
      pending.catch(() => undefined);
      return { done: false, value: chunk };
    },
  };
}

/** Compressed bytes handed to zlib at once: what a corrupt stream can lose is the output of one slice. */
const GZIP_SLICE = 16 * 1024;
/** Decompressed bytes queued ahead of the parser before the feeder waits (backpressure). */
const GZIP_QUEUE = 4 * CHUNK;
/** A gzip member ends with CRC32 and ISIZE: fed apart, so a bad checksum costs no data. */
const GZIP_TRAILER = 8;

/**
 * Gunzip a stream whose first bytes were `first`, yielding decompressed chunks.
 *
 * Why not `for await (… of gunzip)`: zlib drops the output of the write in
 * which it meets an error, and a destroyed stream drops what it buffered, so
 * a capture with a bad CRC (the last 8 bytes) lost every frame — and a small
 * one was then "empty". Here the input goes in slices of GZIP_SLICE, the last
 * GZIP_TRAILER bytes on their own, and the output is queued as it comes: an
 * error surfaces after everything decompressed before it, as
 * GzipTruncatedError (the caller keeps the frames and warns `cut short`).
 */
async function* gunzipChunks(first: Uint8Array, it: AsyncIterator<Buffer>, onConsumed: (n: number) => void, label: string): AsyncGenerator<Uint8Array> {
  const gunzip = createGunzip({ chunkSize: CHUNK });
  const queue: Buffer[] = [];
  let queued = 0;
  let failure: Error | null = null;
  let ended = false;
  let wake: (() => void) | null = null;
  let resume: (() => void) | null = null;
  const poke = () => { const w = wake; wake = null; w?.(); };
  gunzip.on('data', (c: Buffer) => { queue.push(c); queued += c.length; poke(); });
  gunzip.on('error', (e) => { failure ??= e; ended = true; poke(); });
  gunzip.on('end', () => { ended = true; poke(); });

  const write = (b: Uint8Array) => new Promise<void>((res) => { gunzip.write(b, () => res()); });
  const feed = async (b: Uint8Array) => {
    for (let o = 0; o < b.length && !failure; o += GZIP_SLICE) {
      await write(b.subarray(o, Math.min(b.length, o + GZIP_SLICE)));
      while (queued > GZIP_QUEUE && !failure) await new Promise<void>((res) => { resume = res; });
    }
  };
  // The feeder holds one chunk back, so that the stream's last bytes (the trailer) go in alone.
  (async () => {
    try {
      let held: Uint8Array = first;
      for (;;) {
        const r = await it.next();
        if (failure) return;
        if (r.done) break;
        onConsumed(r.value.length);
        await feed(held);
        held = r.value;
      }
      const cut = Math.max(0, held.length - GZIP_TRAILER);
      await feed(held.subarray(0, cut));
      if (!failure) await feed(held.subarray(cut));
      gunzip.end();
    } catch (e) {
      failure ??= new InputError(`${label}: cannot read (${(e as Error).message})`);
      ended = true;
      poke();
    }
  })();
  let drained = false;
  try {
    for (;;) {
      if (queue.length) {
        const c = queue.shift()!;
        queued -= c.length;
        if (queued <= GZIP_QUEUE) { const r = resume as (() => void) | null; resume = null; r?.(); }
        yield c;
        continue;
      }
      if (ended) { drained = true; break; }
      await new Promise<void>((res) => { wake = res; });
    }
  } finally {
    // Also when the reader stopped early: release the feeder and zlib.
    const error = drained ? failure as Error | null : null;
    failure ??= new Error('closed');
    const r = resume as (() => void) | null; resume = null; r?.();
    gunzip.destroy();
    if (error instanceof InputError) throw error;
    if (error) throw new GzipTruncatedError(error.message);
  }
}

/** The compressed stream ended early or was corrupt: everything before it was delivered. */
export class GzipTruncatedError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'GzipTruncatedError';
  }
}
