/**
 * The proxy's recorder: every datagram the proxy receives or sends, with its
 * real addresses and the time it was handled, as pcapng frames (one interface,
 * Ethernet or raw IP framing, a section comment naming sipflow).
 *
 * Built on the capture writer (src/capture/writer.ts), which only ever writes
 * whole blocks: a crash or a kill at any moment leaves a valid file. The
 * packets of one turn of the event loop (what one read of the socket brought,
 * and the answers to it) go out in one write when the turn ends, not one
 * write each: at 400 calls/s a write per packet was a fifth of the proxy's
 * time. A kill can therefore lose the packets of the turn it lands in (a few
 * milliseconds), never the file. Rotation by size or time closes the
 * current file and opens the next one ("trace.pcapng" -> "trace-0001.pcapng"...).
 *
 * A capture is never overwritten (a restarted proxy once left 220 bytes of
 * a 612 MB trace): every file is created exclusively; when the name is
 * taken, the next free one is used ("trace.pcapng" -> "trace.1.pcapng",
 * a rotated "trace-0001.pcapng" -> "trace-0002.pcapng"...), and `force`
 * allows replacing the first file only. The folder is created.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { FileSink, PcapngWriter } from '../capture/writer.js';
import { LINK_TYPE_OF, udpFrameHeader } from '../net/build.js';
import { VERSION } from '../version.js';
import { EndOfTurn } from './end-of-turn.js';

export type RecordLink = 'ethernet' | 'raw';

export interface RecorderOptions {
  /** Path of the (first) trace file. */
  path: string;
  link?: RecordLink;
  /** Start a new file when the current one reaches this many bytes (0 = never). */
  rotateBytes?: number;
  /** Start a new file after this many seconds (0 = never). */
  rotateSeconds?: number;
  /** Extra words for the section comment (the command line, the listen address). */
  comment?: string;
  /** Called with the path of every file opened. */
  onFile?(path: string): void;
  /** Replace the first file when it exists (`--force`); otherwise the next free name is used. */
  force?: boolean;
  /** Clock, for tests: milliseconds since the epoch. */
  now?: () => number;
}

/** Bytes of packets gathered before a write, at most (a turn with more writes as it goes). */
const RECORD_BUFFER = 256 * 1024;

/** pcapng writes one interface per file; its link type follows the option. */
export class Recorder {
  private writer: PcapngWriter | null = null;
  private sink: FileSink | null = null;
  private fd: number | null = null;
  private readonly link: RecordLink;
  private fileIndex = 0;
  private openedAt = 0;
  /** Packets in the current file: a file is never left without any (rotation waits for the first). */
  private inFile = 0;
  private ipId = 1;
  /** The packets gathered this turn of the event loop go out in one write when it ends. */
  private readonly turn = new EndOfTurn(() => {
    // A full disk is counted, as for any write, and does not stop the proxy.
    try { this.sink?.flush(); } catch (e) { this.errors++; this.lastError = e as Error; }
  });
  private readonly now: () => number;
  /** Every file written, in order. */
  readonly files: string[] = [];
  packets = 0;
  errors = 0;
  /** The last write error (a full disk must not stop the proxy). */
  lastError: Error | null = null;

  constructor(private readonly opts: RecorderOptions) {
    this.link = opts.link ?? 'ethernet';
    this.now = opts.now ?? Date.now;
    const dir = dirname(opts.path);
    if (dir) mkdirSync(dir, { recursive: true });
    this.open();
  }

  /** The file being written now. */
  get currentFile(): string { return this.files[this.files.length - 1]!; }

  /** Path of the n-th file: the given path first, then name-0001.ext, name-0002.ext... */
  static rotatedName(path: string, n: number): string {
    if (n === 0) return path;
    const ext = extname(path) || '.pcapng';
    const base = basename(path, extname(path));
    return join(dirname(path), `${base}-${String(n).padStart(4, '0')}${ext}`);
  }

  /** The path asked for. */
  get requestedFile(): string { return this.opts.path; }

  /** "trace.pcapng", 3 -> "trace.3.pcapng": where a capture goes when its name is taken. */
  static freeName(path: string, n: number): string {
    if (n === 0) return path;
    const ext = extname(path);
    return join(dirname(path), `${basename(path, ext)}.${n}${ext}`);
  }

  /** Create a file that does not exist yet: `name(0)`, else `name(1)`... (`force`: replace `name(0)`). */
  private static create(name: (n: number) => string, force: boolean): { fd: number; path: string; n: number } {
    if (force) return { fd: openSync(name(0), 'w'), path: name(0), n: 0 };
    for (let n = 0; ; n++) {
      const path = name(n);
      try {
        return { fd: openSync(path, 'wx'), path, n };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100000) throw e;
      }
    }
  }

  private open(): void {
    // The first file is FILE (or FILE.n when taken); rotated ones follow it as FILE-0001..., skipping any taken.
    let fd: number, path: string;
    if (this.fileIndex === 0) {
      ({ fd, path } = Recorder.create((n) => Recorder.freeName(this.opts.path, n), !!this.opts.force));
      this.fileIndex = 1;
    } else {
      const first = this.files[0]!, from = this.fileIndex;
      let n: number;
      ({ fd, path, n } = Recorder.create((k) => Recorder.rotatedName(first, from + k), false));
      this.fileIndex = from + n + 1;
    }
    this.fd = fd;
    this.sink = new FileSink(fd, { bufferBytes: RECORD_BUFFER });
    const comment = `Recorded by sipflow ${VERSION} proxy${this.opts.comment ? ' ' + this.opts.comment : ''}`;
    this.writer = new PcapngWriter(this.sink, { comment, application: `sipflow ${VERSION}` });
    this.writer.addInterface({
      linkType: LINK_TYPE_OF[this.link], snapLen: 262144, tsUnitsPerSecond: 1e9,
      name: 'sipflow-proxy', description: 'datagrams received and sent by sipflow proxy',
    });
    // The headers at once: a proxy killed before its first packet leaves a valid, empty capture.
    this.sink.flush();
    this.openedAt = this.now();
    this.inFile = 0;
    this.files.push(path);
    this.opts.onFile?.(path);
  }

  /**
   * Record one UDP datagram. `src`/`dst` are IP address texts (IPv6 without
   * brackets). `timeMs` defaults to now (a float: sub-millisecond precision
   * comes from performance.now in the caller when it has it).
   */
  udp(src: string, sport: number, dst: string, dport: number, payload: Uint8Array, timeMs?: number): void {
    if (!this.writer) return;
    try {
      const t = timeMs ?? this.now();
      if (this.inFile > 0 && this.shouldRotate(t)) this.rotate();
      // A file's time period starts with its first packet (an idle proxy opens no empty files).
      if (this.inFile === 0) this.openedAt = t;
      const head = udpFrameHeader({ src, dst, sport, dport, payload, link: this.link, ipId: this.ipId++ & 0xffff, udpChecksum: true });
      const sec = Math.floor(t / 1000);
      const nsec = Math.min(999_999_999, Math.round((t - sec * 1000) * 1e6));
      this.writer!.writePacketParts(0, sec, nsec, head, payload);
      this.packets++;
      this.inFile++;
      this.turn.request();
    } catch (e) {
      this.errors++;
      this.lastError = e as Error;
    }
  }

  private shouldRotate(t: number): boolean {
    if (this.opts.rotateBytes && this.sink!.written >= this.opts.rotateBytes) return true;
    if (this.opts.rotateSeconds && t - this.openedAt >= this.opts.rotateSeconds * 1000) return true;
    return false;
  }

  /** Close the current file and start the next one. */
  rotate(): void {
    this.writer?.close();
    this.closeFd();
    this.open();
  }

  close(): void {
    try { this.writer?.close(); } catch { /* already closed */ }
    this.writer = null;
    this.closeFd();
  }

  private closeFd(): void {
    if (this.fd !== null) { try { closeSync(this.fd); } catch { /* closed */ } this.fd = null; }
  }
}

