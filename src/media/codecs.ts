/**
 * Payload types and clock rates, as Wireshark's RTP analysis knows them
 * (ui/tap-rtp-analysis.c clock_map and mimetype_and_clock_map; epan/rtp_pt.h names).
 */
import type { RtpMapEntry } from './sdp.js';

/** Static payload types (RFC 3551) -> [name, clock rate used by Wireshark's analysis]. */
const STATIC: Record<number, [string, number]> = {
  0: ['PCMU', 8000], 1: ['1016', 8000], 2: ['G721', 8000], 3: ['GSM', 8000], 4: ['G723', 8000],
  5: ['DVI4', 8000], 6: ['DVI4', 16000], 7: ['LPC', 8000], 8: ['PCMA', 8000], 9: ['G722', 8000],
  10: ['L16', 44100], 11: ['L16', 44100], 12: ['QCELP', 8000], 13: ['CN', 8000], 14: ['MPA', 90000],
  15: ['G728', 8000], 16: ['DVI4', 11025], 17: ['DVI4', 22050], 18: ['G729', 8000], 19: ['CN', 8000],
  25: ['CelB', 90000], 26: ['JPEG', 90000], 28: ['nv', 90000], 31: ['H261', 90000], 32: ['MPV', 90000],
  33: ['MP2T', 90000], 34: ['H263', 90000],
};

/** Dynamic payload clock rates by encoding name prefix (Wireshark's mimetype_and_clock_map). */
const DYNAMIC: [string, number][] = [
  ['AMR', 8000], ['AMR-WB', 16000], ['BMPEG', 90000], ['BT656', 90000], ['DV', 90000], ['EVRC', 8000],
  ['EVRC0', 8000], ['EVRC1', 8000], ['EVRCB', 8000], ['EVRCB0', 8000], ['EVRCB1', 8000], ['EVRCWB', 16000],
  ['EVRCWB0', 16000], ['EVRCWB1', 16000], ['EVS', 16000], ['G7221', 16000], ['G726-16', 8000], ['G726-24', 8000],
  ['G726-32', 8000], ['G726-40', 8000], ['G729D', 8000], ['G729E', 8000], ['GSM-EFR', 8000], ['H263-1998', 90000],
  ['H263-2000', 90000], ['H264', 90000], ['MP1S', 90000], ['MP2P', 90000], ['MP4V-ES', 90000], ['mpa-robust', 90000],
  ['opus', 48000], ['pointer', 90000], ['raw', 90000], ['red', 1000], ['SMV', 8000], ['SMV0', 8000], ['t140', 1000],
  ['telephone-event', 8000],
];

export const PT_CN = 13;
export const PT_CN_OLD = 19;

/** The clock rate Wireshark's analysis uses for a packet, 0 when it cannot analyse timing. */
export function analysisClockRate(pt: number, map: RtpMapEntry | undefined): number {
  if (pt < 96) return STATIC[pt]?.[1] ?? 0;
  if (!map) return 0;
  if (/^telephone-event/i.test(map.name)) return 0; // RFC 4733 timestamps do not advance
  if (map.rate) return map.rate;
  for (let i = DYNAMIC.length - 1; i >= 0; i--) {
    if (map.name.toLowerCase().startsWith(DYNAMIC[i]![0].toLowerCase())) return DYNAMIC[i]![1];
  }
  return 0;
}

/** The clock rate of a payload for display (telephone-event keeps its 8000). */
export function nominalClockRate(pt: number, map: RtpMapEntry | undefined): number {
  if (map?.rate) return map.rate;
  if (pt < 96) return STATIC[pt]?.[1] ?? 0;
  if (!map) return 0;
  for (let i = DYNAMIC.length - 1; i >= 0; i--) {
    if (map.name.toLowerCase().startsWith(DYNAMIC[i]![0].toLowerCase())) return DYNAMIC[i]![1];
  }
  return 0;
}

/** "opus/48000", "PCMA/8000", "PT 101" when unknown. */
export function codecName(pt: number, map: RtpMapEntry | undefined): string {
  if (map) return `${map.name}/${map.rate || nominalClockRate(pt, map)}`;
  const s = STATIC[pt];
  // G.722's RTP clock is 8000 although it samples at 16 kHz (RFC 3551 §4.5.2).
  return s ? `${s[0]}/${s[1]}` : `PT ${pt}`;
}
