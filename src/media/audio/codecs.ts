/**
 * Which payloads sipflow can turn into audio: an encoding (from the SDP
 * rtpmap, or the static payload type) -> a decoder, comfort noise,
 * telephone-event, or a reason it cannot be decoded. Codecs without a
 * decoder are never written as noise: their stretch of the WAV stays silent
 * and the command names them.
 */
import type { Decoder } from './decoder.js';
import { g711Decoder } from './g711.js';
import { G722Decoder } from './g722.js';
import { GsmDecoder } from './gsm.js';
import { l16Decoder } from './l16.js';

export interface Encoding {
  name: string;
  /** RTP clock rate. */
  clock: number;
  channels: number;
}

export type PayloadKind =
  | { kind: 'audio'; codec: string; clock: number; /** Native output rate and channels. */ rate: number; channels: number; create(rate: number): Promise<Decoder> }
  | { kind: 'cn'; clock: number }
  | { kind: 'event' }
  | { kind: 'undecodable'; codec: string; reason: string };

/** Static payload types (RFC 3551 Table 4) as encodings. */
const STATIC: Record<number, Encoding> = {
  0: { name: 'PCMU', clock: 8000, channels: 1 }, 3: { name: 'GSM', clock: 8000, channels: 1 },
  4: { name: 'G723', clock: 8000, channels: 1 }, 5: { name: 'DVI4', clock: 8000, channels: 1 },
  6: { name: 'DVI4', clock: 16000, channels: 1 }, 7: { name: 'LPC', clock: 8000, channels: 1 },
  8: { name: 'PCMA', clock: 8000, channels: 1 }, 9: { name: 'G722', clock: 8000, channels: 1 },
  10: { name: 'L16', clock: 44100, channels: 2 }, 11: { name: 'L16', clock: 44100, channels: 1 },
  12: { name: 'QCELP', clock: 8000, channels: 1 }, 13: { name: 'CN', clock: 8000, channels: 1 },
  14: { name: 'MPA', clock: 90000, channels: 1 }, 15: { name: 'G728', clock: 8000, channels: 1 },
  16: { name: 'DVI4', clock: 11025, channels: 1 }, 17: { name: 'DVI4', clock: 22050, channels: 1 },
  18: { name: 'G729', clock: 8000, channels: 1 }, 19: { name: 'CN', clock: 8000, channels: 1 },
};

/** Encodings sipflow knows and does not decode, with the reason the command prints. */
const NOT_DECODED: [RegExp, string][] = [
  [/^G729/i, 'G.729 has no decoder in sipflow'],
  [/^iLBC$/i, 'iLBC has no decoder in sipflow'],
  [/^AMR(-WB)?$/i, 'AMR has no decoder in sipflow'],
  [/^EVS$/i, 'EVS has no decoder in sipflow'],
  [/^G723$/i, 'G.723.1 has no decoder in sipflow'],
  [/^G726/i, 'G.726 has no decoder in sipflow'],
  [/^G728$/i, 'G.728 has no decoder in sipflow'],
  [/^(speex|SILK|iSAC)$/i, 'this codec has no decoder in sipflow'],
];

/** The encoding of a payload type: the rtpmap's, else the static table's; null when unknown. */
export function encodingOf(pt: number, map: { name: string; rate: number; channels: number | null } | undefined): Encoding | null {
  if (map) {
    const st = pt < 96 ? STATIC[pt] : undefined;
    return { name: map.name, clock: map.rate || st?.clock || 8000, channels: map.channels ?? st?.channels ?? 1 };
  }
  return pt < 96 ? STATIC[pt] ?? null : null;
}

/** What the playout does with payloads of an encoding. */
export function payloadKind(enc: Encoding | null, pt: number): PayloadKind {
  if (!enc) return { kind: 'undecodable', codec: `PT ${pt}`, reason: `payload type ${pt} has no rtpmap in the SDP` };
  const codec = `${enc.name}/${enc.clock}`;
  const n = enc.name.toUpperCase();
  if (n === 'TELEPHONE-EVENT') return { kind: 'event' };
  if (n === 'CN') return { kind: 'cn', clock: enc.clock };
  if (n === 'PCMU') return { kind: 'audio', codec, clock: enc.clock, rate: 8000, channels: 1, create: async () => g711Decoder('ulaw') };
  if (n === 'PCMA') return { kind: 'audio', codec, clock: enc.clock, rate: 8000, channels: 1, create: async () => g711Decoder('alaw') };
  if (n === 'G722') return { kind: 'audio', codec, clock: enc.clock, rate: 16000, channels: 1, create: async () => new G722Decoder() };
  if (n === 'GSM') return { kind: 'audio', codec, clock: enc.clock, rate: 8000, channels: 1, create: async () => new GsmDecoder() };
  if (n === 'L16') return { kind: 'audio', codec, clock: enc.clock, rate: enc.clock, channels: Math.max(1, enc.channels), create: async () => l16Decoder(enc.clock, Math.max(1, enc.channels)) };
  if (n === 'OPUS') {
    return { kind: 'audio', codec, clock: enc.clock, rate: 48000, channels: 1, create: async (rate) => (await import('./opus.js')).opusDecoder(rate) };
  }
  for (const [re, reason] of NOT_DECODED) if (re.test(enc.name)) return { kind: 'undecodable', codec, reason };
  return { kind: 'undecodable', codec, reason: `${enc.name} has no decoder in sipflow` };
}
