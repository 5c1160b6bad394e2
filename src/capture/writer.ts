/**
 * Capture writers: pcapng (the default: comments, several interfaces) and
 * classic pcap. Used by fixtures, tests, the bench and the proxy recorder.
 *
 * Every block is written whole with one synchronous write, so a process
 * killed at any moment leaves a file that is valid up to its last block.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Where blocks go: memory (tests) or a file descriptor. */
export interface ByteSink {
  write(b: Uint8Array): void;
  close(): void;
}

export class MemorySink implements ByteSink {
  private parts: Uint8Array[] = [];
  private size = 0;
  write(b: Uint8Array): void { this.parts.push(b.slice()); this.size += b.length; }
  close(): void {}
  toBytes(): Buffer { return Buffer.concat(this.parts, this.size); }
}

export class FileSink implements ByteSink {
  private fd: number | null;
  written = 0;
  constructor(path: string) { this.fd = openSync(path, 'w'); }
  write(b: Uint8Array): void {
    if (this.fd === null) throw new Error('capture file already closed');
    let off = 0;
    while (off < b.length) off += writeSync(this.fd, b, off, b.length - off);
    this.written += b.length;
  }
  close(): void { if (this.fd !== null) { closeSync(this.fd); this.fd = null; } }
}

export interface InterfaceOptions {
  linkType: number;
  snapLen?: number;
  /** Time units per second: 1e6 (default), 1e9, or a power of two (2**n). */
  tsUnitsPerSecond?: number;
  /** if_tsoffset, seconds. */
  tsOffset?: number;
  name?: string;
  description?: string;
}

export interface PcapngOptions {
  littleEndian?: boolean;
  /** shb_comment */
  comment?: string;
  /** shb_userappl */
  application?: string;
}

function pad4(n: number): number { return (n + 3) & ~3; }

/** Encode options (code, value bytes) followed by opt_endofopt. */
function encodeOptions(opts: [number, Uint8Array][], le: boolean): Buffer {
  if (!opts.length) return Buffer.alloc(0);
  const size = opts.reduce((a, [, v]) => a + 4 + pad4(v.length), 0) + 4;
  const b = Buffer.alloc(size);
  let o = 0;
  for (const [code, v] of opts) {
    if (le) { b.writeUInt16LE(code, o); b.writeUInt16LE(v.length, o + 2); } else { b.writeUInt16BE(code, o); b.writeUInt16BE(v.length, o + 2); }
    b.set(v, o + 4);
    o += 4 + pad4(v.length);
  }
  return b; // trailing 4 zero bytes = opt_endofopt
}

export class PcapngWriter {
  private readonly le: boolean;
  private interfaces: Required<Pick<InterfaceOptions, 'linkType' | 'snapLen' | 'tsUnitsPerSecond' | 'tsOffset'>>[] = [];
  packets = 0;

  constructor(private readonly sink: ByteSink, private readonly opts: PcapngOptions = {}) {
    this.le = opts.littleEndian ?? true;
    this.writeSectionHeader();
  }

  /** Start a new section: interfaces must be declared again. */
  newSection(): void {
    this.interfaces = [];
    this.writeSectionHeader();
  }

  private writeSectionHeader(): void {
    const opts: [number, Uint8Array][] = [];
    if (this.opts.comment) opts.push([1, Buffer.from(this.opts.comment, 'utf8')]);
    if (this.opts.application) opts.push([4, Buffer.from(this.opts.application, 'utf8')]);
    const body = Buffer.alloc(16);
    this.u32(body, 0, 0x1a2b3c4d);
    this.u16(body, 4, 1);
    this.u16(body, 6, 0);
    body.writeInt32LE(-1, 8); // section length unknown: -1 in both byte orders
    body.writeInt32LE(-1, 12);
    this.block(0x0a0d0d0a, Buffer.concat([body, encodeOptions(opts, this.le)]));
  }

  /** Declare an interface; returns its index for writePacket. */
  addInterface(i: InterfaceOptions): number {
    const units = i.tsUnitsPerSecond ?? 1e6;
    const opts: [number, Uint8Array][] = [];
    if (i.name) opts.push([2, Buffer.from(i.name, 'utf8')]);
    if (i.description) opts.push([3, Buffer.from(i.description, 'utf8')]);
    if (units !== 1e6) {
      const exp10 = Math.log10(units);
      const exp2 = Math.log2(units);
      const r = Number.isInteger(exp10) ? exp10 : Number.isInteger(exp2) ? 0x80 | exp2 : -1;
      if (r < 0) throw new Error(`timestamp resolution ${units}/s is neither a power of 10 nor of 2`);
      opts.push([9, Uint8Array.of(r)]);
    }
    if (i.tsOffset) {
      const v = Buffer.alloc(8);
      if (this.le) v.writeBigInt64LE(BigInt(i.tsOffset)); else v.writeBigInt64BE(BigInt(i.tsOffset));
      opts.push([14, v]);
    }
    const body = Buffer.alloc(8);
    this.u16(body, 0, i.linkType);
    this.u16(body, 2, 0);
    this.u32(body, 4, i.snapLen ?? 262144);
    this.block(1, Buffer.concat([body, encodeOptions(opts, this.le)]));
    this.interfaces.push({ linkType: i.linkType, snapLen: i.snapLen ?? 262144, tsUnitsPerSecond: units, tsOffset: i.tsOffset ?? 0 });
    return this.interfaces.length - 1;
  }

  /** Enhanced Packet Block. Time is absolute (seconds + nanoseconds); if_tsoffset is subtracted. */
  writePacket(ifIndex: number, tsSec: number, tsNsec: number, data: Uint8Array, origLen = data.length, comment?: string): void {
    const iface = this.interfaces[ifIndex];
    if (!iface) throw new Error(`interface ${ifIndex} was not declared`);
    const [high, low] = this.units(iface, tsSec, tsNsec);
    const opts = comment ? encodeOptions([[1, Buffer.from(comment, 'utf8')]], this.le) : Buffer.alloc(0);
    const body = Buffer.alloc(20 + pad4(data.length) + opts.length);
    this.u32(body, 0, ifIndex);
    this.u32(body, 4, high);
    this.u32(body, 8, low);
    this.u32(body, 12, data.length);
    this.u32(body, 16, origLen);
    body.set(data, 20);
    body.set(opts, 20 + pad4(data.length));
    this.block(6, body);
    this.packets++;
  }

  /** Simple Packet Block (interface 0, no timestamp). */
  writeSimplePacket(data: Uint8Array, origLen = data.length): void {
    const body = Buffer.alloc(4 + pad4(data.length));
    this.u32(body, 0, origLen);
    body.set(data, 4);
    this.block(3, body);
    this.packets++;
  }

  /** The obsolete Packet Block (type 2). */
  writeObsoletePacket(ifIndex: number, tsSec: number, tsNsec: number, data: Uint8Array, origLen = data.length): void {
    const iface = this.interfaces[ifIndex];
    if (!iface) throw new Error(`interface ${ifIndex} was not declared`);
    const [high, low] = this.units(iface, tsSec, tsNsec);
    const body = Buffer.alloc(20 + pad4(data.length));
    this.u16(body, 0, ifIndex);
    this.u16(body, 2, 0);
    this.u32(body, 4, high);
    this.u32(body, 8, low);
    this.u32(body, 12, data.length);
    this.u32(body, 16, origLen);
    body.set(data, 20);
    this.block(2, body);
    this.packets++;
  }

  /** Any other block (statistics, name resolution, custom, unknown types). */
  writeRawBlock(type: number, body: Uint8Array): void {
    this.block(type, Buffer.from(body.buffer, body.byteOffset, body.byteLength));
  }

  close(): void { this.sink.close(); }

  private units(iface: { tsUnitsPerSecond: number; tsOffset: number }, tsSec: number, tsNsec: number): [number, number] {
    const sec = BigInt(tsSec - iface.tsOffset);
    const u = BigInt(iface.tsUnitsPerSecond);
    const ts = sec * u + (BigInt(tsNsec) * u) / 1000000000n;
    return [Number((ts >> 32n) & 0xffffffffn), Number(ts & 0xffffffffn)];
  }

  private block(type: number, body: Buffer): void {
    const bodyLen = pad4(body.length);
    const total = 12 + bodyLen;
    const b = Buffer.alloc(total);
    this.u32(b, 0, type);
    this.u32(b, 4, total);
    b.set(body, 8);
    this.u32(b, total - 4, total);
    this.sink.write(b);
  }

  private u16(b: Buffer, o: number, v: number): void { if (this.le) b.writeUInt16LE(v, o); else b.writeUInt16BE(v, o); }
  private u32(b: Buffer, o: number, v: number): void { if (this.le) b.writeUInt32LE(v >>> 0, o); else b.writeUInt32BE(v >>> 0, o); }
}

export interface PcapOptions {
  linkType: number;
  littleEndian?: boolean;
  nanosecond?: boolean;
  snapLen?: number;
}

export class PcapWriter {
  private readonly le: boolean;
  private readonly ns: boolean;
  packets = 0;

  constructor(private readonly sink: ByteSink, opts: PcapOptions) {
    this.le = opts.littleEndian ?? true;
    this.ns = opts.nanosecond ?? false;
    const h = Buffer.alloc(24);
    this.u32(h, 0, this.ns ? 0xa1b23c4d : 0xa1b2c3d4);
    this.u16(h, 4, 2);
    this.u16(h, 6, 4);
    this.u32(h, 16, opts.snapLen ?? 262144);
    this.u32(h, 20, opts.linkType);
    sink.write(h);
  }

  writePacket(tsSec: number, tsNsec: number, data: Uint8Array, origLen = data.length): void {
    const b = Buffer.alloc(16 + data.length);
    this.u32(b, 0, tsSec);
    this.u32(b, 4, this.ns ? tsNsec : Math.floor(tsNsec / 1000));
    this.u32(b, 8, data.length);
    this.u32(b, 12, origLen);
    b.set(data, 16);
    this.sink.write(b);
    this.packets++;
  }

  close(): void { this.sink.close(); }

  private u16(b: Buffer, o: number, v: number): void { if (this.le) b.writeUInt16LE(v, o); else b.writeUInt16BE(v, o); }
  private u32(b: Buffer, o: number, v: number): void { if (this.le) b.writeUInt32LE(v >>> 0, o); else b.writeUInt32BE(v >>> 0, o); }
}
