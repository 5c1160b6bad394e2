/**
 * IP fragment reassembly (IPv4 and IPv6 share it), bounded in every dimension.
 *
 * Overlaps are resolved as Wireshark's reassemble.c does: fragments are laid
 * down in offset order (arrival order among equal offsets) and each one only
 * fills bytes not yet filled, so the lowest-offset, earliest copy wins.
 */
import type { Warning } from '../model.js';

export interface ReassemblyLimits {
  /** Largest reassembled payload accepted, bytes. */
  maxDatagramBytes: number;
  /** Most fragments kept for one datagram. */
  maxFragments: number;
  /** Most datagrams under reassembly at once; the oldest is dropped beyond it. */
  maxOpen: number;
  /** Capture seconds after which an incomplete datagram is dropped. */
  maxAgeS: number;
  /** Most fragment bytes held over all open datagrams; the oldest is dropped beyond it (default 64 MiB). */
  maxBufferedBytes?: number;
}

const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

export const DEFAULT_REASSEMBLY_LIMITS: ReassemblyLimits = {
  maxDatagramBytes: 65535,
  maxFragments: 256,
  maxOpen: 4096,
  maxAgeS: 60,
};

interface Piece {
  offset: number;
  data: Uint8Array;
  /** The frame that carried it. */
  frame: number;
}

interface Pending {
  pieces: Piece[];
  /** Total payload length, known once the last fragment (MF=0) arrived. */
  total: number;
  firstFrame: number;
  firstTime: number;
  bytes: number;
}

export interface ReassemblyStats {
  fragments: number;
  reassembled: number;
  duplicates: number;
  overlaps: number;
  dropped: number;
}

export class Reassembler {
  private readonly open = new Map<string, Pending>();
  readonly stats: ReassemblyStats = { fragments: 0, reassembled: 0, duplicates: 0, overlaps: 0, dropped: 0 };
  private lastSweep = 0;
  /** Fragments since the last sweep: a sweep visits every open datagram, so it waits for as many fragments (amortised O(1) even when time jumps back and forth). */
  private sinceSweep = 0;
  /** Fragment bytes held in all open datagrams. */
  private buffered = 0;
  /**
   * The frames whose fragments made the datagram `add` just returned,
   * ascending (what `sipflow extract` copies for a reassembled packet).
   */
  completedFrames: number[] = [];

  constructor(
    private readonly limits: ReassemblyLimits,
    private readonly warn: (w: Warning) => void,
  ) {}

  get openCount(): number { return this.open.size; }

  /**
   * Add one fragment. `offset` in bytes, `more` = more-fragments flag.
   * Returns the reassembled payload when this fragment completed it, else null.
   */
  add(key: string, offset: number, more: boolean, data: Uint8Array, frame: number, time: number): Uint8Array | null {
    this.stats.fragments++;
    this.sinceSweep++;
    if ((time - this.lastSweep > 1 || time < this.lastSweep) && this.sinceSweep >= Math.min(this.open.size, 1024)) this.sweep(time, frame);
    let p = this.open.get(key);
    if (!p) {
      if (this.open.size >= this.limits.maxOpen) {
        const oldest = this.open.keys().next().value as string;
        const o = this.open.get(oldest)!;
        this.remove(oldest, o);
        this.drop(frame, `more than ${this.limits.maxOpen} IP datagrams under reassembly; dropped the one begun in frame ${o.firstFrame}`);
      }
      p = { pieces: [], total: -1, firstFrame: frame, firstTime: time, bytes: 0 };
      this.open.set(key, p);
    }
    const end = offset + data.length;
    if (end > this.limits.maxDatagramBytes) {
      this.remove(key, p);
      this.drop(frame, `IP fragment reaches byte ${end}, beyond the ${this.limits.maxDatagramBytes}-byte reassembly limit; datagram begun in frame ${p.firstFrame} dropped`);
      return null;
    }
    for (const q of p.pieces) {
      if (q.offset === offset && q.data.length === data.length) { this.stats.duplicates++; return null; }
    }
    if (p.pieces.length >= this.limits.maxFragments) {
      this.remove(key, p);
      this.drop(frame, `IP datagram begun in frame ${p.firstFrame} has more than ${this.limits.maxFragments} fragments; dropped`);
      return null;
    }
    const cap = this.limits.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    while (this.buffered + data.length > cap && this.open.size > 1) {
      const oldest = this.open.keys().next().value as string;
      if (oldest === key) break;
      const o = this.open.get(oldest)!;
      this.remove(oldest, o);
      this.drop(frame, `more than ${cap} bytes of IP fragments held (reassembly limit); dropped the datagram begun in frame ${o.firstFrame}`);
    }
    p.pieces.push({ offset, data: data.slice(), frame });
    p.bytes += data.length;
    this.buffered += data.length;
    if (!more) {
      if (p.total >= 0 && p.total !== end) this.stats.overlaps++;
      p.total = end;
    }
    // Pieces that cannot cover [0, total) yet: no need to sort them (keeps a flood of fragments linear).
    if (p.total < 0 || p.bytes < p.total) return null;
    // Complete when the pieces cover [0, total) without a gap.
    const sorted = p.pieces.slice().sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const q of sorted) {
      // A gap: done looking (a stray piece beyond the end must not block completion, as in Wireshark).
      if (q.offset > covered) break;
      covered = Math.max(covered, q.offset + q.data.length);
    }
    if (covered < p.total) return null;
    const out = new Uint8Array(p.total);
    let filled = 0;
    for (const q of sorted) {
      const qEnd = Math.min(q.offset + q.data.length, p.total);
      if (qEnd <= filled) { this.stats.overlaps++; continue; }
      if (q.offset < filled) this.stats.overlaps++;
      const from = Math.max(filled, q.offset);
      out.set(q.data.subarray(from - q.offset, qEnd - q.offset), from);
      filled = qEnd;
    }
    this.remove(key, p);
    this.stats.reassembled++;
    this.completedFrames = [...new Set(p.pieces.map((q) => q.frame))].sort((a, b) => a - b);
    return out;
  }

  /** Drop reassemblies older than maxAgeS of capture time. */
  private sweep(time: number, frame: number): void {
    this.lastSweep = time;
    this.sinceSweep = 0;
    for (const [k, p] of this.open) {
      if (time - p.firstTime > this.limits.maxAgeS) {
        this.remove(k, p);
        this.drop(frame, `IP datagram begun in frame ${p.firstFrame} still incomplete after ${this.limits.maxAgeS} s; dropped`);
      }
    }
  }

  private remove(key: string, p: Pending): void {
    if (this.open.delete(key)) this.buffered -= p.bytes;
  }

  /** Drops listed one by one; the rest are summed up at the end (a fragment flood would fill the warning list). */
  private static readonly LISTED_DROPS = 20;

  private drop(frame: number, message: string): void {
    this.stats.dropped++;
    if (this.stats.dropped <= Reassembler.LISTED_DROPS) this.warn({ frame, code: 'reassembly-limit', message });
  }

  /** Report what never completed, at end of capture. */
  finish(): void {
    const dropped = this.stats.dropped;
    if (dropped > Reassembler.LISTED_DROPS) this.warn({ frame: null, code: 'reassembly-limit', message: `${dropped} IP datagrams dropped by the reassembly limits in all (the first ${Reassembler.LISTED_DROPS} are listed)` });
    let incomplete = 0;
    for (const p of this.open.values()) {
      this.stats.dropped++;
      if (++incomplete <= Reassembler.LISTED_DROPS) this.warn({ frame: p.firstFrame, code: 'reassembly-incomplete', message: `IP datagram begun in frame ${p.firstFrame} never completed (${p.pieces.length} fragments, ${p.bytes} bytes)` });
    }
    if (incomplete > Reassembler.LISTED_DROPS) this.warn({ frame: null, code: 'reassembly-incomplete', message: `${incomplete} IP datagrams never completed in all (the first ${Reassembler.LISTED_DROPS} are listed)` });
    this.open.clear();
    this.buffered = 0;
  }
}
