/** Read a whole capture through the push parser: the capture stage's entry point. */
import type { CaptureInfo, Frame, Warning } from '../model.js';
import { CaptureParser, type RawRecord } from './parser.js';
import { GzipTruncatedError, InputError, openSource } from './source.js';

export { CaptureParser, NotACaptureError, sniffFormat, MAX_RECORD_BYTES, MAX_PCAP_PACKET, type RawRecord } from './parser.js';
export { InputError, openSource } from './source.js';
export { linkTypeName, LINKTYPE } from './linktypes.js';

export interface ReadOptions {
  /** `record` (the frame's bytes as the file holds them) only with `records: true`. */
  onFrame(frame: Frame, record?: RawRecord): void;
  onWarning(w: Warning): void;
  records?: boolean;
  /** Called after each chunk with bytes consumed (compressed bytes for gzip) and file size. */
  onProgress?(done: number, total: number | null): void;
  /**
   * Called between reads: a promise holds the next read until it settles
   * (backpressure: `analyze --ndjson` waits while its standard output is full,
   * so a slow reader cannot make the calls written during the pass pile up).
   */
  betweenReads?(): Promise<void> | undefined;
}

/**
 * Stream `path` ("-" for standard input) through the parser.
 * Throws InputError / NotACaptureError for unusable input (exit 2);
 * a truncated or corrupt tail becomes a warning and the frames before it are kept.
 */
export async function readCapture(path: string, opts: ReadOptions): Promise<CaptureInfo> {
  const src = await openSource(path);
  const parser = new CaptureParser(path === '-' ? 'standard input' : path, { onFrame: opts.onFrame, onWarning: opts.onWarning }, { records: opts.records });
  try {
    for await (const chunk of src.chunks) {
      parser.push(chunk);
      opts.onProgress?.(src.consumed(), src.size);
      if (parser.done) break;
      const wait = opts.betweenReads?.();
      if (wait) await wait;
    }
  } catch (e) {
    if (!(e instanceof GzipTruncatedError)) throw e;
    if (parser.info.bytes === 0) throw new InputError(`${parser.info.file}: corrupt gzip data before any capture data (${e.message})`);
    parser.info.gzip = true;
    const info = parser.end();
    info.truncated = true;
    opts.onWarning({ frame: null, code: 'truncated', message: `compressed capture cut short after ${info.bytes} decompressed bytes (${e.message}); frames before it were read` });
    return info;
  }
  parser.info.gzip = src.gzip();
  return parser.end();
}
