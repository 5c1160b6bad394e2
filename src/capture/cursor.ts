/**
 * One capture file read frame by frame on demand (pull), on top of the push
 * parser: what the merge needs to hold exactly one pending frame per file.
 *
 * The parser turns each chunk it is given into frames at once; the cursor
 * keeps that chunk's frames in a queue and reads the next chunk only when the
 * queue is empty, so memory per open file is one chunk (1 MiB) and its frame
 * records. Frames are views into the chunk; the cursor gives the parser its
 * own copy of each chunk (a memcpy per MiB), so queued frames stay valid
 * whatever the source later does with the buffers it read into.
 */
import type { CaptureInfo, Frame, Warning } from '../model.js';
import { CaptureParser, type RawRecord } from './parser.js';
import { GzipTruncatedError, InputError, openSource } from './source.js';

export interface CursorOptions {
  /** Raw records with the frames (extract's copy pass). */
  records?: boolean;
  onWarning(w: Warning): void;
  /** Read size (default: the source's 1 MiB). */
  chunkBytes?: number;
}

export class CaptureCursor {
  /** The frame at the head, or null once the file is exhausted (after `next()` said so). */
  frame: Frame | null = null;
  record: RawRecord | undefined = undefined;
  /** Bytes of the file consumed so far (compressed bytes for gzip), and its size (null for stdin). */
  consumed = 0;
  size: number | null = null;
  private frames: Frame[] = [];
  private recs: (RawRecord | undefined)[] = [];
  private qi = 0;
  private parser!: CaptureParser;
  private it: AsyncIterator<Uint8Array> | null = null;
  private src: Awaited<ReturnType<typeof openSource>> | null = null;
  private ended = false;
  private result: CaptureInfo | null = null;

  constructor(readonly path: string, private readonly opts: CursorOptions) {}

  /** Open the file; the first `next()` then gives its first frame. Throws InputError / NotACaptureError. */
  async open(): Promise<void> {
    this.src = await openSource(this.path, { chunkBytes: this.opts.chunkBytes });
    this.size = this.src.size;
    this.it = this.src.chunks[Symbol.asyncIterator]();
    this.parser = new CaptureParser(this.path === '-' ? 'standard input' : this.path, {
      onFrame: (f, r) => { this.frames.push(f); this.recs.push(r); },
      onWarning: (w) => this.opts.onWarning(w),
    }, { records: this.opts.records });
  }

  /**
   * Move to the next frame without waiting when it is already parsed: true
   * (`frame` holds it), or null when the next chunk must be read (call next()).
   */
  nextQueued(): true | null {
    if (this.qi >= this.frames.length) return null;
    this.frame = this.frames[this.qi]!;
    this.record = this.recs[this.qi];
    this.frames[this.qi] = undefined as unknown as Frame;
    this.recs[this.qi] = undefined;
    this.qi++;
    return true;
  }

  /** Move to the next frame: true when `frame` holds one, false at the end of the file. */
  async next(): Promise<boolean> {
    while (this.qi >= this.frames.length) {
      this.frames.length = 0;
      this.recs.length = 0;
      this.qi = 0;
      if (this.ended) { this.frame = null; this.record = undefined; return false; }
      await this.read();
    }
    this.frame = this.frames[this.qi]!;
    this.record = this.recs[this.qi];
    this.frames[this.qi] = undefined as unknown as Frame; // let the chunk go once every frame of it is out
    this.recs[this.qi] = undefined;
    this.qi++;
    return true;
  }

  /** Whether the file is gzip-compressed (known once it was opened and read from). */
  get gzip(): boolean { return this.src?.gzip() ?? false; }

  /** What the parser learned; complete once `next()` returned false. */
  get info(): CaptureInfo { return this.result ?? this.parser.info; }

  /** Stop reading (the file is closed); safe to call at any time. */
  async close(): Promise<void> {
    this.ended = true;
    const it = this.it;
    this.it = null;
    if (it?.return) await it.return();
  }

  private async read(): Promise<void> {
    let r: IteratorResult<Uint8Array>;
    try {
      r = await this.it!.next();
    } catch (e) {
      if (!(e instanceof GzipTruncatedError)) throw e;
      if (this.parser.info.bytes === 0) throw new InputError(`${this.parser.info.file}: corrupt gzip data before any capture data (${e.message})`);
      // As readCapture: a gzip stream cut short keeps the frames before the cut.
      this.parser.info.gzip = true;
      const info = this.parser.end();
      info.truncated = true;
      this.opts.onWarning({ frame: null, code: 'truncated', message: `compressed capture cut short after ${info.bytes} decompressed bytes (${e.message}); frames before it were read` });
      this.finish(info);
      return;
    }
    this.consumed = this.src!.consumed();
    if (r.done) {
      this.parser.info.gzip = this.src!.gzip();
      this.finish(this.parser.end());
      return;
    }
    this.parser.push(Uint8Array.prototype.slice.call(r.value));
    if (this.parser.done) {
      this.parser.info.gzip = this.src!.gzip();
      this.finish(this.parser.end());
    }
  }

  private finish(info: CaptureInfo): void {
    this.result = info;
    this.ended = true;
    void this.close();
  }
}
