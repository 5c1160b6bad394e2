/**
 * What a file is, from its first bytes up to its first frame: whether it is
 * a capture (the parser's magic numbers, through gzip), and the timestamp of
 * its first frame, by which rotated files are put in order. Reads a chunk or
 * two, never the whole file (unless it holds no frame at all).
 */
import type { CaptureFormat } from '../model.js';
import { CaptureCursor } from './cursor.js';

export interface CaptureProbe {
  format: CaptureFormat;
  gzip: boolean;
  /** Timestamp (seconds, nanoseconds) of the first frame in file order, null when there is none. */
  first: [number, number] | null;
  size: number | null;
}

/** Probe one file. Throws InputError (cannot open) or NotACaptureError (not pcap/pcapng), as a full read would. */
export async function probeCapture(path: string): Promise<CaptureProbe> {
  const c = new CaptureCursor(path, { onWarning: () => {}, chunkBytes: 64 * 1024 });
  try {
    await c.open();
    const has = await c.next();
    const info = c.info;
    return { format: info.format, gzip: c.gzip, first: has ? [c.frame!.tsSec, c.frame!.tsNsec] : null, size: c.size };
  } finally {
    await c.close();
  }
}
