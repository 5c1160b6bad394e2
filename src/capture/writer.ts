/**
 * Capture writers: pcapng (the default: comments, several interfaces and
 * sections) and classic pcap. Used by fixtures, tests, the bench and the
 * proxy recorder.
 *
 * Every block (pcapng) or record (pcap) is built in exactly one freshly
 * allocated Buffer and handed whole to the sink. A FileSink writes it with
 * one fs.writeSync, so a process killed at any moment leaves a file that is
 * valid up to its last whole block (with `bufferBytes`, up to the last flushed
 * one; flushes only ever contain whole blocks). One exception the kernel
 * makes: a SIGKILL that lands while write(2) is copying a block that spans a
 * page boundary ends the write at that boundary (Linux checks for a fatal
 * signal between pages), leaving part of that one block after the last whole
 * one. Readers then keep every frame before it and say the capture is cut
 * short, as for any truncated file.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Where blocks go: memory (tests) or a file descriptor. */
export interface ByteSink {
  /** Takes ownership of `b`: the writers never touch a buffer again once written. */
  write(b: Uint8Array): void;
  close(): void;
}

/** Collects blocks in memory; `toBytes()` returns the whole file. */
export class MemorySink implements ByteSink {
  private parts: Uint8Array[] = [];
  private size = 0;
  write(b: Uint8Array): void { this.parts.push(b); this.size += b.length; }
  close(): void {}
  get length(): number { return this.size; }
  toBytes(): Buffer {
    const out = Buffer.concat(this.parts, this.size);
    this.parts = [out];
    return out;
  }
}

export interface FileSinkOptions {
  /** Open for appending instead of truncating (paths only). */
  append?: boolean;
  /**
   * Gather blocks up to this many bytes before one writeSync (0 = write every
   * block at once, the default). Only whole blocks are ever written.
   */
  bufferBytes?: number;
}

/** Synchronous writes to a path (created/truncated) or an already open file descriptor. */
export class FileSink implements ByteSink {
  private fd: number | null;
  private readonly ownsFd: boolean;
  private readonly buf: Buffer | null;
  private used = 0;
  /** Bytes handed to write() so far. */
  written = 0;

  constructor(target: string | number, opts: FileSinkOptions = {}) {
    if (typeof target === 'number') {
      this.fd = target;
      this.ownsFd = false;
    } else {
      this.fd = openSync(target, opts.append ? 'a' : 'w');
      this.ownsFd = true;
    }
    this.buf = opts.bufferBytes && opts.bufferBytes > 0 ? Buffer.allocUnsafe(opts.bufferBytes) : null;
  }

  write(b: Uint8Array): void {
    if (this.fd === null) throw new Error('capture file already closed');
    this.written += b.length;
    const buf = this.buf;
    if (buf) {
      if (this.used + b.length <= buf.length) {
        buf.set(b, this.used);
        this.used += b.length;
        return;
      }
      this.flush();
      if (b.length <= buf.length) {
        buf.set(b, 0);
        this.used = b.length;
        return;
      }
    }
    this.writeAll(b);
  }

  /** Write out gathered blocks (no-op without `bufferBytes`). */
  flush(): void {
    if (this.buf && this.used > 0) {
      const n = this.used;
      this.used = 0;
      this.writeAll(this.buf.subarray(0, n));
    }
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    if (this.ownsFd) closeSync(this.fd);
    this.fd = null;
  }

  private writeAll(b: Uint8Array): void {
    let off = 0;
    while (off < b.length) off += writeSync(this.fd!, b, off, b.length - off);
  }
}

export interface InterfaceOptions {
  /** LINKTYPE_* value. */
  linkType: number;
  /** if snaplen; 262144 when omitted (0 means "no limit" to readers). */
  snapLen?: number;
  /** Time units per second: 1e6 (default), any power of 10, or a power of two (2**n). */
  tsUnitsPerSecond?: number;
  /** The raw if_tsresol byte instead of tsUnitsPerSecond (e.g. 9, or 0x80 | 20 for 2^-20). */
  tsresol?: number;
  /** if_tsoffset, whole seconds added by readers to every timestamp of this interface. */
  tsOffset?: number;
  /** if_name */
  name?: string;
  /** if_description */
  description?: string;
}

export interface PcapngOptions {
  /** Byte order of the section (default little-endian). */
  littleEndian?: boolean;
  /** Same as littleEndian, spelled out; wins when both are given. */
  byteOrder?: 'little' | 'big';
  /** shb_comment */
  comment?: string;
  /** shb_hardware */
  hardware?: string;
  /** shb_os */
  os?: string;
  /** shb_userappl */
  application?: string;
  /** Interfaces declared right after the section header (indexes 0..n-1). */
  interfaces?: InterfaceOptions[];
}

interface IfaceState {
  linkType: number;
  snapLen: number;
  units: number;
  tsOffset: number;
  /** 1e9 / units when that is an integer (units a power of 10 up to 1e9), else 0. */
  nsPerUnit: number;
}

type Opt = [code: number, value: Uint8Array];

function pad4(n: number): number { return (n + 3) & ~3; }

/** `data` at b[o], zero-filled up to a multiple of 4 bytes (block buffers are allocated unsafe). */
function putPadded(b: Buffer, o: number, data: Uint8Array): void {
  b.set(data, o);
  const end = o + pad4(data.length);
  if (end !== o + data.length) b.fill(0, o + data.length, end);
}

const NO_BYTES = new Uint8Array(0);

/** Bytes taken by an option list including opt_endofopt (0 for no options). */
function optionsSize(opts: Opt[]): number {
  if (opts.length === 0) return 0;
  let s = 4;
  for (const [, v] of opts) s += 4 + pad4(v.length);
  return s;
}

const TWO32 = 4294967296;
const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** if_tsresol byte -> units per second. */
export function tsresolUnits(r: number): number {
  return r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
}

/** Units per second -> if_tsresol byte; throws for a resolution pcapng cannot express. */
export function unitsTsresol(units: number): number {
  for (let e = 0; e <= 19; e++) if (10 ** e === units) return e;
  for (let e = 0; e <= 63; e++) if (2 ** e === units) return 0x80 | e;
  throw new Error(`timestamp resolution ${units}/s is neither a power of 10 nor of 2`);
}

/** What both writers share: the sink, the byte order of the numbers they write, counters. */
abstract class BinaryWriter {
  /** Packets written (pcapng: EPB, SPB and PB blocks, in all sections). */
  packets = 0;
  /** Bytes handed to the sink. */
  bytes = 0;

  constructor(protected readonly sink: ByteSink, protected le: boolean) {}

  close(): void { this.sink.close(); }

  /** The file so far, when writing to a MemorySink. */
  toBytes(): Buffer {
    if (!(this.sink instanceof MemorySink)) throw new Error('toBytes() needs a MemorySink');
    return this.sink.toBytes();
  }

  protected emit(b: Buffer): void {
    this.bytes += b.length;
    this.sink.write(b);
  }

  protected u16(b: Buffer, o: number, v: number): void { if (this.le) b.writeUInt16LE(v & 0xffff, o); else b.writeUInt16BE(v & 0xffff, o); }
  protected u32(b: Buffer, o: number, v: number): void { if (this.le) b.writeUInt32LE(v >>> 0, o); else b.writeUInt32BE(v >>> 0, o); }
}

const isLittle = (o: { byteOrder?: 'little' | 'big'; littleEndian?: boolean }): boolean =>
  (o.byteOrder ? o.byteOrder === 'little' : o.littleEndian ?? true);

export class PcapngWriter extends BinaryWriter {
  private interfaces: IfaceState[] = [];
  private tsHi = 0;
  private tsLo = 0;

  constructor(sink: ByteSink = new MemorySink(), private opts: PcapngOptions = {}) {
    super(sink, isLittle(opts));
    this.writeSectionHeader();
  }

  get littleEndian(): boolean { return this.le; }

  /**
   * Start a new section: interfaces must be declared again (or listed in `opts`).
   * Options given here replace the constructor's for this and later sections.
   */
  newSection(opts?: PcapngOptions): void {
    if (opts) this.opts = opts;
    this.le = isLittle(this.opts);
    this.interfaces = [];
    this.writeSectionHeader();
  }

  private writeSectionHeader(): void {
    const o = this.opts;
    const opts: Opt[] = [];
    if (o.comment) opts.push([1, utf8(o.comment)]);
    if (o.hardware) opts.push([2, utf8(o.hardware)]);
    if (o.os) opts.push([3, utf8(o.os)]);
    if (o.application) opts.push([4, utf8(o.application)]);
    const b = this.begin(0x0a0d0d0a, 16 + optionsSize(opts));
    this.u32(b, 8, 0x1a2b3c4d);
    this.u16(b, 12, 1);
    this.u16(b, 14, 0);
    b.writeInt32LE(-1, 16); // section length unknown: -1 in both byte orders
    b.writeInt32LE(-1, 20);
    this.putOptions(b, 24, opts);
    this.emit(b);
    for (const i of o.interfaces ?? []) this.addInterface(i);
  }

  /** Declare an interface in the current section; returns its index for writePacket. */
  addInterface(i: InterfaceOptions): number {
    const units = i.tsresol !== undefined ? tsresolUnits(i.tsresol) : i.tsUnitsPerSecond ?? 1e6;
    const tsresol = i.tsresol ?? unitsTsresol(units);
    const snapLen = i.snapLen ?? 262144;
    const tsOffset = i.tsOffset ?? 0;
    if (!Number.isInteger(tsOffset)) throw new Error(`if_tsoffset must be whole seconds, got ${tsOffset}`);
    const opts: Opt[] = [];
    if (i.name) opts.push([2, utf8(i.name)]);
    if (i.description) opts.push([3, utf8(i.description)]);
    if (tsresol !== 6) opts.push([9, Uint8Array.of(tsresol)]);
    if (tsOffset) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(BigInt(tsOffset)); else v.writeBigInt64BE(BigInt(tsOffset));
      opts.push([14, v]);
    }
    const b = this.begin(1, 8 + optionsSize(opts));
    this.u16(b, 8, i.linkType);
    this.u16(b, 10, 0);
    this.u32(b, 12, snapLen);
    this.putOptions(b, 16, opts);
    this.emit(b);
    const nsPerUnit = units <= 1e9 && Number.isInteger(1e9 / units) && 10 ** Math.round(Math.log10(units)) === units ? 1e9 / units : 0;
    this.interfaces.push({ linkType: i.linkType, snapLen, units, tsOffset, nsPerUnit });
    return this.interfaces.length - 1;
  }

  /**
   * Enhanced Packet Block. Time is absolute (seconds + nanoseconds); the
   * interface's if_tsoffset is subtracted and the result expressed in its units
   * (rounded down when the resolution cannot express it; a time read from a
   * 2^-n interface is written back exactly).
   */
  writePacket(ifIndex: number, tsSec: number, tsNsec: number, data: Uint8Array, origLen = data.length, comment?: string): void {
    this.enhancedPacket(ifIndex, tsSec, tsNsec, data, NO_BYTES, origLen, comment);
  }

  /**
   * An Enhanced Packet Block whose packet is `head` followed by `tail` (the
   * proxy's recorder: frame headers, then the datagram as it was sent), so the
   * caller need not join them first. Same block as writePacket(head + tail).
   */
  writePacketParts(ifIndex: number, tsSec: number, tsNsec: number, head: Uint8Array, tail: Uint8Array): void {
    this.enhancedPacket(ifIndex, tsSec, tsNsec, head, tail, head.length + tail.length);
  }

  private enhancedPacket(ifIndex: number, tsSec: number, tsNsec: number, head: Uint8Array, tail: Uint8Array, origLen: number, comment?: string): void {
    const iface = this.iface(ifIndex);
    this.units(iface, tsSec, tsNsec);
    const c = comment ? utf8(comment) : null;
    const optLen = c ? 8 + pad4(c.length) : 0;
    const padded = pad4(head.length + tail.length);
    const b = this.begin(6, 20 + padded + optLen);
    this.u32(b, 8, ifIndex);
    this.putPacket(b, head, origLen, tail);
    if (c) this.putOptions(b, 28 + padded, [[1, c]]);
    this.emit(b);
    this.packets++;
  }

  /**
   * Simple Packet Block: interface 0, no timestamp. Readers take
   * min(origLen, snaplen) bytes, so `data` is cut to interface 0's snaplen.
   */
  writeSimplePacket(data: Uint8Array, origLen = data.length): void {
    const iface = this.iface(0);
    const d = iface.snapLen > 0 && data.length > iface.snapLen ? data.subarray(0, iface.snapLen) : data;
    const padded = pad4(d.length);
    const b = this.begin(3, 4 + padded);
    this.u32(b, 8, origLen);
    putPadded(b, 12, d);
    this.emit(b);
    this.packets++;
  }

  /** The obsolete Packet Block (type 2): 16-bit interface id, drops count 0. */
  writeObsoletePacket(ifIndex: number, tsSec: number, tsNsec: number, data: Uint8Array, origLen = data.length): void {
    const iface = this.iface(ifIndex);
    this.units(iface, tsSec, tsNsec);
    const padded = pad4(data.length);
    const b = this.begin(2, 20 + padded);
    this.u16(b, 8, ifIndex);
    this.u16(b, 10, 0);
    this.putPacket(b, data, origLen);
    this.emit(b);
    this.packets++;
  }

  /** Interface Statistics Block (type 5) for an interface, with isb_ifrecv / isb_ifdrop. */
  writeInterfaceStatistics(ifIndex: number, tsSec: number, tsNsec: number, received?: number, dropped?: number): void {
    const iface = this.iface(ifIndex);
    this.units(iface, tsSec, tsNsec);
    const opts: Opt[] = [];
    const u64 = (v: number): Buffer => {
      const x = Buffer.alloc(8);
      if (this.le) x.writeBigUInt64LE(BigInt(v)); else x.writeBigUInt64BE(BigInt(v));
      return x;
    };
    if (received !== undefined) opts.push([4, u64(received)]);
    if (dropped !== undefined) opts.push([5, u64(dropped)]);
    const b = this.begin(5, 12 + optionsSize(opts));
    this.u32(b, 8, ifIndex);
    this.u32(b, 12, this.tsHi);
    this.u32(b, 16, this.tsLo);
    this.putOptions(b, 20, opts);
    this.emit(b);
  }

  /** Any other block (statistics, name resolution, custom, unknown types); the body is zero-padded to 4 bytes. */
  writeRawBlock(type: number, body: Uint8Array): void {
    const padded = pad4(body.length);
    const b = this.begin(type, padded);
    putPadded(b, 8, body);
    this.emit(b);
  }

  private iface(ifIndex: number): IfaceState {
    const iface = this.interfaces[ifIndex];
    if (!iface) throw new Error(`interface ${ifIndex} was not declared in this section`);
    return iface;
  }

  /** Timestamp in interface units into tsHi/tsLo (no allocation on the common paths). */
  private units(iface: IfaceState, tsSec: number, tsNsec: number): void {
    const s = tsSec - iface.tsOffset;
    const u = iface.units;
    if (iface.nsPerUnit > 0 && Number.isInteger(s) && s >= 0 && s < TWO32 && Number.isInteger(tsNsec) && tsNsec >= 0 && tsNsec < 1e9) {
      // s * u < 2^62: the low word exactly via imul, the high word from the
      // (slightly inexact) double product, which is within 2^9 of exact.
      const lowp = Math.imul(s, u) >>> 0;
      let hi = Math.round((s * u - lowp) / TWO32);
      let lo = lowp + Math.floor(tsNsec / iface.nsPerUnit);
      if (lo >= TWO32) { lo -= TWO32; hi++; }
      this.tsHi = hi;
      this.tsLo = lo;
      return;
    }
    // Other resolutions (2^-n): the unit count whose reading (floor(k * 1e9 / u),
    // as wiretap and our parser compute it) gives back tsNsec exactly when there
    // is one, else rounded down.
    const ub = BigInt(u);
    const ns = BigInt(tsNsec);
    const G = 1000000000n;
    let k = (ns * ub + G - 1n) / G;
    if ((k * G) / ub !== ns) k = (ns * ub) / G;
    let ts = BigInt(s) * ub + k;
    if (ts < 0n) ts &= 0xffffffffffffffffn;
    this.tsHi = Number((ts >> 32n) & 0xffffffffn);
    this.tsLo = Number(ts & 0xffffffffn);
  }

  /** One buffer for a whole block: header and trailer written, body (bodyLen, a multiple of 4) to fill. */
  private begin(type: number, bodyLen: number): Buffer {
    const total = 12 + bodyLen;
    const b = Buffer.allocUnsafe(total);
    this.u32(b, 0, type);
    this.u32(b, 4, total);
    this.u32(b, total - 4, total);
    return b;
  }

  private putOptions(b: Buffer, o: number, opts: Opt[]): void {
    if (opts.length === 0) return;
    for (const [code, v] of opts) {
      this.u16(b, o, code);
      this.u16(b, o + 2, v.length);
      putPadded(b, o + 4, v);
      o += 4 + pad4(v.length);
    }
    b.writeUInt32LE(0, o); // opt_endofopt
  }

  /** The part EPB and PB share from byte 12: timestamp (from units()), lengths, the padded data. */
  /** Time, lengths and the packet (`data`, then `tail` when it comes in two parts), zero-padded to 4 bytes. */
  private putPacket(b: Buffer, data: Uint8Array, origLen: number, tail: Uint8Array = NO_BYTES): void {
    const length = data.length + tail.length;
    this.u32(b, 12, this.tsHi);
    this.u32(b, 16, this.tsLo);
    this.u32(b, 20, length);
    this.u32(b, 24, origLen);
    b.set(data, 28);
    b.set(tail, 28 + data.length);
    b.fill(0, 28 + length, 28 + pad4(length));
  }
}

export interface PcapOptions {
  /** LINKTYPE_* value of every packet. */
  linkType: number;
  /** Byte order (default little-endian). */
  littleEndian?: boolean;
  byteOrder?: 'little' | 'big';
  /** Nanosecond magic 0xa1b23c4d instead of microseconds 0xa1b2c3d4. */
  nanosecond?: boolean;
  snapLen?: number;
}

export class PcapWriter extends BinaryWriter {
  private readonly ns: boolean;

  constructor(sink: ByteSink = new MemorySink(), opts: PcapOptions) {
    super(sink, isLittle(opts));
    this.ns = opts.nanosecond ?? false;
    const h = Buffer.alloc(24);
    this.u32(h, 0, this.ns ? 0xa1b23c4d : 0xa1b2c3d4);
    this.u16(h, 4, 2);
    this.u16(h, 6, 4);
    this.u32(h, 16, opts.snapLen ?? 262144);
    this.u32(h, 20, opts.linkType);
    this.emit(h);
  }

  /** One record; microsecond files keep floor(tsNsec / 1000). */
  writePacket(tsSec: number, tsNsec: number, data: Uint8Array, origLen = data.length): void {
    const b = Buffer.allocUnsafe(16 + data.length);
    this.u32(b, 0, tsSec);
    this.u32(b, 4, this.ns ? tsNsec : Math.floor(tsNsec / 1000));
    this.u32(b, 8, data.length);
    this.u32(b, 12, origLen);
    b.set(data, 16);
    this.emit(b);
    this.packets++;
  }
}
