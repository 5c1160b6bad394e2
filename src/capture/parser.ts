/**
 * Push parser for classic pcap and pcapng: feed it chunks of the (decompressed)
 * file in order, it calls `onFrame` for every packet record, synchronously.
 *
 * Why a push parser: the same code serves files, standard input and gzip
 * streams, and memory stays bounded by one chunk plus one record. Frames carry
 * views into the chunk, not copies; records that straddle two chunks are the
 * only bytes ever copied.
 */
import type { CaptureFormat, CaptureInfo, CaptureInterface, Frame, Warning } from '../model.js';
import { linkTypeName } from './linktypes.js';
import { isoTime, isoRepresentable } from '../time.js';

/** Largest pcap record / pcapng block accepted (Wireshark's own limit is of this order). */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
/**
 * Interfaces described in one capture (all sections), beyond which further
 * interface blocks are counted and not kept (their packets are skipped as
 * packets of an undescribed interface): a 20-byte block each, a hostile file
 * could otherwise describe 50 million of them per GB.
 */
export const MAX_INTERFACES = 100_000;
/** Largest captured packet accepted in a classic pcap record (WTAP_MAX_PACKET_SIZE_STANDARD). */
export const MAX_PCAP_PACKET = 262144;

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BOM = 0x1a2b3c4d;

const BT_IDB = 0x00000001;
const BT_PB = 0x00000002;
const BT_SPB = 0x00000003;
const BT_EPB = 0x00000006;

/** Thrown when the first bytes are no capture format sipflow knows. Carries the one-line reason. */
export class NotACaptureError extends Error {
  constructor(file: string, first: Uint8Array) {
    const hex = Array.from(first.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
    // Wireshark also opens zstd and lz4 compressed captures; Node 20's zlib has neither, so say how to get a file we read.
    const known = otherCompression(first);
    const container = known ? null : otherContainer(first);
    super(known
      ? `${file}: a ${known}-compressed file: sipflow reads pcap or pcapng, plain or gzip-compressed (decompress it first: ${known === 'zstd' ? 'zstd -d' : 'lz4 -d'} ${file})`
      : container
        ? `${file}: a ${container} capture: sipflow reads pcap or pcapng, plain or gzip-compressed (convert it first: editcap -F pcapng ${file} ${file}.pcapng)`
        : `${file}: not a capture file (expected pcap or pcapng, optionally gzip-compressed; it starts with ${hex || 'nothing: the file is empty'})`);
    this.name = 'NotACaptureError';
  }
}

/** zstd or lz4 frame magic (compressions Wireshark reads and sipflow does not), or null. */
function otherCompression(head: Uint8Array): 'zstd' | 'lz4' | null {
  if (head.length < 4) return null;
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0x04 && head[1] === 0x22 && head[2] === 0x4d && head[3] === 0x18) return 'lz4';
  return null;
}

/** Capture formats Wireshark reads and sipflow does not, by the magic they start with (wiretap's readers). */
const OTHER_CONTAINERS: [string, string][] = [
  ['GMBU', 'Microsoft Network Monitor 2.x'],
  ['RTSS', 'Microsoft Network Monitor 1.x'],
  ['snoop\0\0\0', 'Solaris snoop'],
  ['TRSNIFF data    \x1a', 'Network General Sniffer'],
  ['ObserverPktBuffer', 'Network Instruments Observer'],
  ['iptrace 1.0', 'AIX iptrace'],
  ['iptrace 2.0', 'AIX iptrace'],
  ['\x7fver', 'EtherPeek/AiroPeek/OmniPeek'],
  ['LOGG', 'Vector BLF'],
  ['\x00\x00\x02\x00\x12\x05\x00\x10', 'Tektronix K12'],
  ['Session Transcript', 'Catapult DCT2000'],
  ['\x54\x52\x00\x64\x00', 'HP-UX nettl'],
];

/** The name of a capture container sipflow does not read, from its first bytes, or null. */
function otherContainer(head: Uint8Array): string | null {
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.byteLength, 32)).toString('latin1');
  for (const [magic, name] of OTHER_CONTAINERS) if (text.startsWith(magic)) return name;
  return null;
}

/** Identify a container by its first four bytes, or null. */
export function sniffFormat(head: Uint8Array): CaptureFormat | null {
  if (head.length < 4) return null;
  const be = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  const le = ((head[3]! << 24) | (head[2]! << 16) | (head[1]! << 8) | head[0]!) >>> 0;
  if (be === PCAPNG_SHB) return 'pcapng';
  for (const m of [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_KUZNETZOV]) if (be === m || le === m) return 'pcap';
  return null;
}

/**
 * A packet record exactly as the file holds it, for copying it unchanged
 * (`sipflow extract`). Only made when the parser is asked for records.
 */
export interface RawRecord {
  /** 0 for a classic pcap record, else the pcapng block type (6 EPB, 3 SPB, 2 PB). */
  blockType: number;
  /** The whole record: pcap record header + data, or the pcapng block from its type to its trailer. A view. */
  bytes: Uint8Array;
  /** Byte order of the numbers in `bytes` (the pcap file's, or the pcapng section's). */
  littleEndian: boolean;
  /** The interface that captured it (one of info.interfaces). */
  iface: CaptureInterface;
  /** The pcapng Interface Description Block of `iface`, whole (a copy); null for classic pcap. */
  ifaceBlock: Uint8Array | null;
}

export interface ParserCallbacks {
  /** `record` is given when the parser was made with `{ records: true }`. */
  onFrame(frame: Frame, record?: RawRecord): void;
  onWarning(w: Warning): void;
}

export interface ParserOptions {
  /** Hand each frame's raw record to onFrame too (costs an object per frame, and a copy per interface block). */
  records?: boolean;
}

const TWO32 = 4294967296;
/** Bytes of a new chunk joined to a carried partial record (larger records take the slow path). */
const JOIN_BYTES = 256 * 1024;

export class CaptureParser {
  readonly info: CaptureInfo;
  private carry: Uint8Array | null = null;
  /** File offset of the first byte of the next unparsed record. */
  private offset = 0;
  private stopped = false;
  private format: CaptureFormat | null = null;
  /** Whether a time outside the years 0000-9999 was warned about (once per capture). */
  private oddTimeWarned = false;

  // classic pcap state
  private le = true;
  private pcapNs = false;
  private pcapRecHeader = 16;
  private pcapSnap = 0;

  // pcapng state: interfaces of the current section
  private section = -1;
  private ifaces: CaptureInterface[] = [];

  // records mode: where the record being emitted lies, and each interface's block
  private readonly records: boolean;
  private recBuf: Uint8Array = new Uint8Array(0);
  private recStart = 0;
  private recLen = 0;
  private recType = 0;
  private readonly ifaceBlocks = new Map<CaptureInterface, Uint8Array>();

  constructor(file: string, private readonly cb: ParserCallbacks, opts: ParserOptions = {}) {
    this.records = !!opts.records;
    this.info = {
      file, format: 'pcap', gzip: false, frames: 0, bytes: 0, interfaces: [], linkTypes: [],
      firstTsSec: null, firstTsNsec: null, minTime: null, maxTime: null, truncated: false, sections: 0,
    };
  }

  /** True once an impossible record stopped parsing: later chunks are ignored. */
  get done(): boolean { return this.stopped; }

  push(chunk: Uint8Array): void {
    if (this.stopped || chunk.length === 0) return;
    this.info.bytes += chunk.length;
    let buf = chunk;
    const carry = this.carry;
    if (carry) {
      this.carry = null;
      // Finish the carried partial record with only the head of the new chunk,
      // then go on parsing the chunk in place: copying whole chunks cost as
      // much as parsing them. A record longer than that head joins it all.
      const head = Math.min(chunk.length, JOIN_BYTES);
      const joined = new Uint8Array(carry.length + head);
      joined.set(carry, 0);
      joined.set(head === chunk.length ? chunk : chunk.subarray(0, head), carry.length);
      if (head === chunk.length) {
        buf = joined;
      } else {
        const used = this.parse(joined);
        if (this.stopped) return;
        if (used > 0) {
          // The carried record ended inside the head (a carry only ever holds an incomplete record).
          this.offset += used;
          buf = chunk.subarray(used - carry.length);
        } else {
          buf = new Uint8Array(carry.length + chunk.length);
          buf.set(carry, 0);
          buf.set(chunk, carry.length);
        }
      }
    }
    const used = this.parse(buf);
    this.offset += used;
    // A copy: Buffer#slice would be a view, and callers may reuse their chunk buffer.
    if (!this.stopped && used < buf.length) this.carry = Uint8Array.prototype.slice.call(buf, used);
  }

  /** Parse whole records from `buf`; returns the bytes consumed. */
  private parse(chunk: Uint8Array): number {
    // Frames are read in place in the chunk, so its views must be plain Uint8Arrays: a Buffer's
    // subarray is a slower Buffer, and its slice() is a view where Uint8Array's is a copy.
    const buf = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.format === null) {
      if (buf.length < 4) return 0;
      const f = sniffFormat(buf);
      if (!f) throw new NotACaptureError(this.info.file, buf);
      this.format = f;
      this.info.format = f;
    }
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    return this.format === 'pcap' ? this.parsePcap(buf, dv) : this.parsePcapng(buf, dv);
  }

  /** Call at end of input. Reports a record cut short. */
  end(): CaptureInfo {
    if (this.format === null) {
      throw new NotACaptureError(this.info.file, this.carry ?? new Uint8Array(0));
    }
    if (!this.stopped && this.carry && this.carry.length > 0) {
      this.info.truncated = true;
      this.cb.onWarning({
        frame: null, code: 'truncated',
        message: `capture cut short at byte ${this.info.bytes}: the record starting at byte ${this.offset} is incomplete (${this.carry.length} bytes of it present); frames before it were read`,
      });
    }
    this.carry = null;
    return this.info;
  }

  private stop(code: string, message: string): void {
    this.stopped = true;
    this.info.truncated = true;
    this.carry = null;
    this.cb.onWarning({ frame: null, code, message: `${message}; stopped reading there, frames before it were kept` });
  }

  /** Frame `number` is `buf[start, start + capLen)`. */
  private emit(iface: CaptureInterface, tsSec: number, tsNsec: number, buf: Uint8Array, start: number, capLen: number, origLen: number): void {
    const info = this.info;
    const number = ++info.frames;
    iface.frames++;
    if (!this.oddTimeWarned && !isoRepresentable(tsSec)) this.oddTime(number, iface, tsSec, tsNsec);
    const t = tsSec + tsNsec / 1e9;
    if (info.firstTsSec === null) {
      info.firstTsSec = tsSec; info.firstTsNsec = tsNsec; info.minTime = t; info.maxTime = t;
    } else {
      if (t < info.minTime!) info.minTime = t;
      if (t > info.maxTime!) info.maxTime = t;
    }
    const frame = new ReadFrame(number, tsSec, tsNsec, iface.linkType, iface.id, capLen, origLen, buf, start);
    if (!this.records) { this.cb.onFrame(frame); return; }
    this.cb.onFrame(frame, {
      blockType: this.recType, bytes: view(this.recBuf, this.recStart, this.recLen), littleEndian: this.le,
      iface, ifaceBlock: this.ifaceBlocks.get(iface) ?? null,
    });
  }

  /**
   * Any 64-bit count of any if_tsresol unit, plus any if_tsoffset, is a
   * timestamp a file can hold: keep it (frames stay in file order, times
   * relative to the first), say once that it is no date, and let the
   * printers write it as raw seconds.
   */
  private oddTime(number: number, iface: CaptureInterface, tsSec: number, tsNsec: number): void {
    this.oddTimeWarned = true;
    const units = iface.tsUnitsPerSecond === 1e6 ? '' : `, ${iface.tsUnitsPerSecond.toPrecision(3)} units per second`;
    const offset = iface.tsOffset ? `, if_tsoffset ${iface.tsOffset} s` : '';
    this.cb.onWarning({
      frame: number, code: 'timestamp-out-of-range',
      message: `timestamp ${isoTime(tsSec, tsNsec)} (interface ${iface.id}${units}${offset}), outside the years 0000-9999; times are kept as the file gives them and printed as raw seconds`,
    });
  }

  /** Link type names already in info.linkTypes: a set, as a file may describe 300 000 interfaces (a list search was quadratic). */
  private readonly linkTypeSeen = new Set<string>();

  private addInterface(iface: CaptureInterface): void {
    this.info.interfaces.push(iface);
    if (!this.linkTypeSeen.has(iface.linkTypeName)) { this.linkTypeSeen.add(iface.linkTypeName); this.info.linkTypes.push(iface.linkTypeName); }
  }

  // ---------------------------------------------------------------- pcap

  private parsePcap(buf: Uint8Array, dv: DataView): number {
    let pos = 0;
    const n = buf.length;
    if (this.ifaces.length === 0) {
      if (n < 24) return 0;
      const magicLe = dv.getUint32(0, true);
      this.le = magicLe === PCAP_MAGIC_US || magicLe === PCAP_MAGIC_NS || magicLe === PCAP_MAGIC_KUZNETZOV;
      const magic = dv.getUint32(0, this.le);
      this.pcapNs = magic === PCAP_MAGIC_NS;
      this.pcapRecHeader = magic === PCAP_MAGIC_KUZNETZOV ? 24 : 16;
      this.pcapSnap = dv.getUint32(16, this.le);
      // The upper bits of the link type field carry FCS information.
      const linkType = dv.getUint32(20, this.le) & 0x03ffffff;
      const iface: CaptureInterface = {
        section: 0, id: 0, linkType, linkTypeName: linkTypeName(linkType), snapLen: this.pcapSnap,
        tsUnitsPerSecond: this.pcapNs ? 1e9 : 1e6, tsOffset: 0, name: null, description: null, frames: 0,
      };
      this.ifaces.push(iface);
      this.addInterface(iface);
      this.info.sections = 1;
      pos = 24;
    }
    const iface = this.ifaces[0]!;
    const le = this.le;
    const hdr = this.pcapRecHeader;
    const mult = this.pcapNs ? 1 : 1000;
    while (pos + hdr <= n) {
      const inclLen = dv.getUint32(pos + 8, le);
      if (inclLen > MAX_PCAP_PACKET) {
        this.stop('bad-record-length', `record at byte ${this.offset + pos} claims ${inclLen} captured bytes (more than ${MAX_PCAP_PACKET})`);
        return pos;
      }
      if (pos + hdr + inclLen > n) break;
      let tsSec = dv.getUint32(pos, le);
      let tsNsec = dv.getUint32(pos + 4, le) * mult;
      // A corrupt fraction of a second (>= 1 s) carries into the seconds: tsNsec stays below 1e9.
      if (tsNsec >= 1e9) { tsSec += Math.floor(tsNsec / 1e9); tsNsec %= 1e9; }
      const origLen = dv.getUint32(pos + 12, le);
      const start = pos + hdr;
      if (this.records) { this.recBuf = buf; this.recStart = pos; this.recLen = hdr + inclLen; this.recType = 0; }
      this.emit(iface, tsSec, tsNsec, buf, start, inclLen, origLen);
      pos = start + inclLen;
    }
    return pos;
  }

  // ---------------------------------------------------------------- pcapng

  private parsePcapng(buf: Uint8Array, dv: DataView): number {
    let pos = 0;
    const n = buf.length;
    let le = this.le;
    while (pos + 12 <= n) {
      const rawType = dv.getUint32(pos, le);
      if (rawType === PCAPNG_SHB) {
        // The section header fixes the byte order of everything that follows it.
        const bom = dv.getUint32(pos + 8, true);
        if (bom === PCAPNG_BOM) this.le = true;
        else if (dv.getUint32(pos + 8, false) === PCAPNG_BOM) this.le = false;
        else {
          this.stop('bad-section-header', `section header at byte ${this.offset + pos} has no valid byte-order magic`);
          return pos;
        }
        le = this.le;
      }
      const type = rawType;
      const len = dv.getUint32(pos + 4, le);
      if (len < 12 || len % 4 !== 0 || len > MAX_RECORD_BYTES) {
        this.stop('bad-block-length', `pcapng block at byte ${this.offset + pos} has an impossible length ${len}`);
        return pos;
      }
      if (pos + len > n) break;
      const trailer = dv.getUint32(pos + len - 4, le);
      if (trailer !== len) {
        this.stop('bad-block-length', `pcapng block at byte ${this.offset + pos} has length ${len} but its trailer says ${trailer}`);
        return pos;
      }
      const body = pos + 8;
      const bodyEnd = pos + len - 4;
      switch (type) {
        case PCAPNG_SHB:
          this.section++;
          this.info.sections++;
          this.ifaces = [];
          break;
        case BT_IDB:
          if (!this.readIdb(buf, dv, body, bodyEnd, pos)) return pos;
          break;
        case BT_EPB:
        case BT_PB: {
          const isEpb = type === BT_EPB;
          if (bodyEnd - body < 20) { this.stop('bad-block-length', `packet block at byte ${this.offset + pos} is too short`); return pos; }
          const ifId = isEpb ? dv.getUint32(body, le) : dv.getUint16(body, le);
          const high = dv.getUint32(body + 4, le);
          const low = dv.getUint32(body + 8, le);
          const capLen = dv.getUint32(body + 12, le);
          const origLen = dv.getUint32(body + 16, le);
          const dataStart = body + 20;
          if (capLen > bodyEnd - dataStart) {
            this.stop('bad-block-length', `packet block at byte ${this.offset + pos} claims ${capLen} captured bytes in a ${len}-byte block`);
            return pos;
          }
          const iface = this.ifaces[ifId];
          if (!iface) {
            this.cb.onWarning({ frame: null, code: 'unknown-interface', message: `packet block at byte ${this.offset + pos} names interface ${ifId}, which was not described; skipped` });
            break;
          }
          this.timestamp(iface, high, low);
          if (this.records) { this.recBuf = buf; this.recStart = pos; this.recLen = len; this.recType = type; }
          this.emit(iface, this.tsSec, this.tsNsec, buf, dataStart, capLen, origLen);
          break;
        }
        case BT_SPB: {
          if (bodyEnd - body < 4) { this.stop('bad-block-length', `simple packet block at byte ${this.offset + pos} is too short`); return pos; }
          const iface = this.ifaces[0];
          if (!iface) {
            this.cb.onWarning({ frame: null, code: 'unknown-interface', message: `simple packet block at byte ${this.offset + pos} before any interface description; skipped` });
            break;
          }
          const origLen = dv.getUint32(body, le);
          let capLen = Math.min(origLen, bodyEnd - body - 4);
          if (iface.snapLen > 0 && capLen > iface.snapLen) capLen = iface.snapLen;
          // A simple packet block has no timestamp; Wireshark shows it as 0.
          if (this.records) { this.recBuf = buf; this.recStart = pos; this.recLen = len; this.recType = type; }
          this.emit(iface, 0, 0, buf, body + 4, capLen, origLen);
          break;
        }
        default:
          // Name resolution, statistics, journal, custom and unknown blocks carry no packets.
          break;
      }
      pos += len;
    }
    return pos;
  }

  /** Interface blocks over MAX_INTERFACES, not kept. */
  private ifacesDropped = 0;

  private readIdb(buf: Uint8Array, dv: DataView, body: number, bodyEnd: number, pos: number): boolean {
    if (bodyEnd - body < 8) { this.stop('bad-block-length', `interface block at byte ${this.offset + pos} is too short`); return false; }
    if (this.info.interfaces.length >= MAX_INTERFACES) {
      if (this.ifacesDropped++ === 0) {
        this.cb.onWarning({ frame: null, code: 'interface-limit', message: `more than ${MAX_INTERFACES} interfaces described (interface limit): the interface block at byte ${this.offset + pos} and later ones were not kept, their packets are skipped` });
      }
      return true;
    }
    const linkType = dv.getUint16(body, this.le);
    const snapLen = dv.getUint32(body + 4, this.le);
    const iface: CaptureInterface = {
      section: Math.max(this.section, 0), id: this.ifaces.length, linkType, linkTypeName: linkTypeName(linkType),
      snapLen, tsUnitsPerSecond: 1e6, tsOffset: 0, name: null, description: null, frames: 0,
    };
    let o = body + 8;
    while (o + 4 <= bodyEnd) {
      const code = dv.getUint16(o, this.le);
      const olen = dv.getUint16(o + 2, this.le);
      const v = o + 4;
      if (code === 0 || v + olen > bodyEnd) break;
      if (code === 9 && olen >= 1) {
        const r = buf[v]!;
        iface.tsUnitsPerSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      } else if (code === 14 && olen >= 8) {
        iface.tsOffset = Number(dv.getBigInt64(v, this.le));
      } else if (code === 2) {
        iface.name = latin1(buf, v, olen);
      } else if (code === 3) {
        iface.description = latin1(buf, v, olen);
      }
      o = v + ((olen + 3) & ~3);
    }
    this.ifaces.push(iface);
    this.addInterface(iface);
    if (this.records) this.ifaceBlocks.set(iface, Uint8Array.prototype.slice.call(buf, pos, bodyEnd + 4));
    return true;
  }

  /** Result of timestamp(): kept in fields, not an array per packet. */
  private tsSec = 0;
  private tsNsec = 0;

  /** 64-bit timestamp in interface units -> tsSec/tsNsec (seconds, nanoseconds), as wiretap computes it. */
  private timestamp(iface: CaptureInterface, high: number, low: number): void {
    const units = iface.tsUnitsPerSecond;
    if (high < 0x200000 && Number.isSafeInteger(units)) {
      const ts = high * TWO32 + low; // exact: below 2^53
      let sec = Math.floor(ts / units);
      let rem = ts - sec * units;
      if (rem < 0) { sec--; rem += units; } else if (rem >= units) { sec++; rem -= units; }
      const nsec = units === 1e9 ? rem : units === 1e6 ? rem * 1000 : Math.floor((rem * 1e9) / units);
      this.tsSec = sec + iface.tsOffset;
      this.tsNsec = nsec;
      return;
    }
    const ts = (BigInt(high) << 32n) | BigInt(low);
    const u = BigInt(units);
    this.tsSec = Number(ts / u) + iface.tsOffset;
    this.tsNsec = Number(((ts % u) * 1000000000n) / u);
  }
}

/**
 * A view of `len` bytes at `start`: a plain Uint8Array, made with the
 * constructor (several times cheaper per packet than Buffer#subarray).
 */
function view(buf: Uint8Array, start: number, len: number): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset + start, len);
}

/**
 * The parser's Frame: its bytes where they lie in the chunk read, and a
 * `data` view made only when something reads it. The decoder reads `bytes`
 * at `offset` in place: a typed-array view per frame was a tenth of the
 * whole pipeline's time on an RTP capture (its making and its collection).
 */
class ReadFrame implements Frame {
  private view: Uint8Array | null = null;
  constructor(
    public number: number, public tsSec: number, public tsNsec: number, public linkType: number,
    public interfaceId: number, public capLen: number, public origLen: number,
    readonly bytes: Uint8Array, readonly offset: number,
  ) {}
  get data(): Uint8Array { return (this.view ??= view(this.bytes, this.offset, this.capLen)); }
}

function latin1(buf: Uint8Array, start: number, len: number): string {
  let end = start + len;
  while (end > start && buf[end - 1] === 0) end--;
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
}
