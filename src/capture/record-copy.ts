/**
 * Writing packet records as they were read (`sipflow extract`): the bytes of
 * each record are kept, only what the new file's layout forces is changed.
 *
 * pcapng output is one little-endian section. Each interface a copied frame
 * came from is declared once, by a copy of its own Interface Description
 * Block (name, if_tsresol, if_tsoffset, filter... unchanged), numbered in
 * order of first use; interfaces of different files or sections stay apart.
 * A packet block is copied whole (timestamp in its interface's units, flags,
 * comments, every option) with its interface number rewritten. Blocks of a
 * big-endian section are converted field by field (options by their
 * specified types; unknown option values are kept as bytes). A classic pcap
 * record becomes an Enhanced Packet Block of the same timestamp and bytes.
 *
 * pcap output holds one link type; the records are rebuilt from the frame
 * (same timestamp, lengths and bytes), or copied whole when the input record
 * already has the output's byte order and resolution.
 */
import type { CaptureInterface, Frame } from '../model.js';
import type { RawRecord } from './parser.js';
import { linkTypeName } from './linktypes.js';
import { PcapngWriter, PcapWriter, unitsTsresol, type ByteSink } from './writer.js';

export interface RecordWriter {
  /** Copy one frame's record (frames in the order they are to appear). */
  write(frame: Frame, rec: RawRecord): void;
  /** Records written. */
  readonly packets: number;
  close(): void;
}

/** A record the output format cannot hold (pcap with a second link type). */
export class RecordFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordFormatError';
  }
}

const BT_IDB = 1;
const BT_PB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const pad4 = (n: number) => (n + 3) & ~3;

export class PcapngRecordWriter implements RecordWriter {
  packets = 0;
  private readonly ids = new Map<CaptureInterface, number>();

  constructor(private readonly sink: ByteSink, opts: { application?: string; comment?: string } = {}) {
    // The section header only: blocks are then written straight to the sink.
    new PcapngWriter(sink, { application: opts.application, comment: opts.comment });
  }

  write(frame: Frame, rec: RawRecord): void {
    const id = this.ids.get(rec.iface) ?? this.declare(rec);
    let block: Buffer;
    if (rec.blockType === 0) block = epbOf(frame, rec.iface, id);
    else {
      block = Buffer.from(rec.bytes); // a copy: the sink keeps it
      if (!rec.littleEndian) toLittleEndian(block);
      if (rec.blockType === BT_EPB) block.writeUInt32LE(id, 8);
      else if (rec.blockType === BT_PB) block.writeUInt16LE(id, 8);
      else if (rec.blockType === BT_SPB && id !== 0) block = epbOf(frame, rec.iface, id); // an SPB means interface 0
    }
    this.sink.write(block);
    this.packets++;
  }

  close(): void { this.sink.close(); }

  private declare(rec: RawRecord): number {
    const id = this.ids.size;
    this.ids.set(rec.iface, id);
    let idb: Buffer;
    if (rec.ifaceBlock) {
      idb = Buffer.from(rec.ifaceBlock);
      if (!rec.littleEndian) toLittleEndian(idb);
    } else {
      idb = idbOf(rec.iface);
    }
    this.sink.write(idb);
    return id;
  }
}

export class PcapRecordWriter implements RecordWriter {
  packets = 0;
  private w: PcapWriter | null = null;
  private linkType = -1;
  private ns = false;
  private cut = new Set<CaptureInterface>();
  /** Interfaces whose timestamps were finer than the file's resolution (reported by the caller). */
  readonly coarsened: CaptureInterface[] = [];

  /** `linkType` heads a file no record is written to. */
  constructor(private readonly sink: ByteSink, private readonly opts: { snapLen?: number; linkType?: number } = {}) {}

  write(frame: Frame, rec: RawRecord): void {
    if (!this.w) {
      // The file header goes out with the first record: its link type and resolution decide them.
      this.linkType = frame.linkType;
      this.ns = rec.iface.tsUnitsPerSecond > 1e6;
      this.w = new PcapWriter(this.sink, { linkType: frame.linkType, nanosecond: this.ns, snapLen: this.opts.snapLen ?? (rec.iface.snapLen || 262144) });
    }
    if (frame.linkType !== this.linkType) {
      throw new RecordFormatError(`pcap holds one link type per file, and the frames to write have ${linkTypeName(this.linkType)} and ${linkTypeName(frame.linkType)} (frame ${frame.number}): write pcapng instead (the default)`);
    }
    if (!this.ns && rec.iface.tsUnitsPerSecond > 1e6 && !this.cut.has(rec.iface)) { this.cut.add(rec.iface); this.coarsened.push(rec.iface); }
    const hdr = rec.bytes.length - frame.capLen;
    if (rec.blockType === 0 && rec.littleEndian && hdr === 16 && (rec.iface.tsUnitsPerSecond === 1e9) === this.ns) {
      // Already a record of this file's kind: the original bytes.
      this.sink.write(Buffer.from(rec.bytes));
    } else {
      this.w.writePacket(frame.tsSec, frame.tsNsec, frame.data, frame.origLen);
    }
    this.packets++;
  }

  close(): void {
    this.w ??= new PcapWriter(this.sink, { linkType: this.opts.linkType ?? 1, snapLen: this.opts.snapLen });
    this.w.close();
  }
}

/** An IDB for the single interface of a classic pcap file. */
function idbOf(iface: CaptureInterface): Buffer {
  const tsresol = iface.tsUnitsPerSecond === 1e6 ? null : unitsTsresol(iface.tsUnitsPerSecond);
  const opts = tsresol === null ? 0 : 8 + 4; // if_tsresol (4 + 1 padded to 8) + opt_endofopt
  const len = 20 + opts;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(BT_IDB, 0);
  b.writeUInt32LE(len, 4);
  b.writeUInt16LE(iface.linkType, 8);
  b.writeUInt32LE(iface.snapLen, 12);
  if (tsresol !== null) {
    b.writeUInt16LE(9, 16);
    b.writeUInt16LE(1, 18);
    b[20] = tsresol;
  }
  b.writeUInt32LE(len, len - 4);
  return b;
}

/** An EPB with the frame's timestamp in its interface's units (classic pcap records, SPBs moved off interface 0). */
function epbOf(frame: Frame, iface: CaptureInterface, id: number): Buffer {
  const data = frame.data;
  const len = 32 + pad4(data.length);
  const b = Buffer.alloc(len);
  b.writeUInt32LE(BT_EPB, 0);
  b.writeUInt32LE(len, 4);
  b.writeUInt32LE(id, 8);
  const units = BigInt(iface.tsUnitsPerSecond);
  const ts = BigInt(frame.tsSec - iface.tsOffset) * units + (BigInt(frame.tsNsec) * units) / 1000000000n;
  b.writeUInt32LE(Number((ts >> 32n) & 0xffffffffn), 12);
  b.writeUInt32LE(Number(ts & 0xffffffffn), 16);
  b.writeUInt32LE(data.length, 20);
  b.writeUInt32LE(frame.origLen, 24);
  b.set(data, 28);
  b.writeUInt32LE(len, len - 4);
  return b;
}

/** Option value types that are numbers (byte width to swap), by block type and option code. */
const NUMERIC: Record<number, Record<number, number>> = {
  [BT_IDB]: { 8: 8, 10: 4, 14: 8, 16: 8, 17: 8 },
  [BT_EPB]: { 2: 4, 4: 8, 5: 8, 6: 4 },
  [BT_PB]: { 2: 4 },
};
/** Custom options start with a 32-bit Private Enterprise Number. */
const CUSTOM = new Set([2988, 2989, 19372, 19373]);

/** Convert a whole pcapng block read from a big-endian section to little-endian, in place. */
export function toLittleEndian(b: Buffer): void {
  const type = b.readUInt32BE(0);
  const len = b.readUInt32BE(4);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  b.writeUInt32LE(len, len - 4);
  let opt = len - 4; // where options start (none for an SPB)
  switch (type) {
    case BT_IDB:
      swap(b, 8, 2); swap(b, 10, 2); swap(b, 12, 4);
      opt = 16;
      break;
    case BT_EPB:
    case BT_PB: {
      if (type === BT_EPB) swap(b, 8, 4); else { swap(b, 8, 2); swap(b, 10, 2); }
      swap(b, 12, 4); swap(b, 16, 4); swap(b, 20, 4); swap(b, 24, 4);
      opt = 28 + pad4(b.readUInt32LE(20));
      break;
    }
    case BT_SPB:
      swap(b, 8, 4);
      break;
    default:
      return;
  }
  const end = len - 4;
  while (opt + 4 <= end) {
    const code = b.readUInt16BE(opt);
    const olen = b.readUInt16BE(opt + 2);
    b.writeUInt16LE(code, opt);
    b.writeUInt16LE(olen, opt + 2);
    if (code === 0) break;
    const v = opt + 4;
    if (v + olen > end) break;
    const width = NUMERIC[type]?.[code];
    if (width && olen >= width) swap(b, v, width);
    else if (CUSTOM.has(code) && olen >= 4) swap(b, v, 4);
    else if (type === BT_EPB && code === 7 && olen >= 9 && (b[v] === 1 || b[v] === 2)) swap(b, v + 1, 8); // epb_verdict: eBPF TC / XDP are u64
    opt = v + pad4(olen);
  }
}

function swap(b: Buffer, o: number, width: number): void {
  if (width === 2) b.subarray(o, o + 2).swap16();
  else if (width === 4) b.subarray(o, o + 4).swap32();
  else if (width === 8) b.subarray(o, o + 8).swap64();
}
