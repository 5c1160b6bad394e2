/**
 * `sipflow audio` as a library call: one pass with the audio tap (and the
 * quality tap scoring through the same jitter buffer), then per call one
 * stereo track pair synchronised on capture time (caller left, callee
 * right, Wireshark's "synchronised audio"), or per stream one track.
 * Rendering is lazy, one output at a time, so a capture of many calls never
 * holds all their audio decoded at once.
 */
import type { Call, Report, RtpStream } from './model.js';
import { analyze } from './analyze.js';
import { filterReport, isFiltering, type CallFilter } from './filter.js';
import { createAudioTap, DEFAULT_AUDIO_BYTES } from './media/audio/tap.js';
import { firstPlaced, nativeRate, playTrack, type StreamInput, type StreamPlayout, type Track } from './media/audio/playout.js';
import { encodingOf, payloadKind } from './media/audio/codecs.js';
import { encodeWav } from './media/audio/wav.js';
import { hostOf } from './net/addr.js';

export interface CallAudioOptions extends CallFilter {
  /** Only these calls (call.index). */
  calls?: number[];
  /** Only these streams (RtpStream.index), each as its own file. */
  streams?: number[];
  /** One file per stream instead of one stereo file per call. */
  mono?: boolean;
  /** Output sample rate; default: the codec's (the higher of a call's two directions). */
  rate?: number;
  /** Fixed jitter buffer, ms: late packets are discarded (and counted as loss in the MOS). */
  jitterBufferMs?: number;
  heuristic?: boolean;
  maxBytes?: number;
  onProgress?(done: number, total: number | null): void;
}

export type Side = 'left' | 'right' | 'mono';

/** One file to write: what goes into it, rendered on demand. */
export interface AudioPlan {
  /** File name (no folder): call-N.wav or stream-K.wav. */
  name: string;
  call: Call | null;
  /** Streams per channel. */
  sides: { side: Side; streams: RtpStream[] }[];
}

export interface AudioOutput extends AudioPlan {
  rate: number;
  channels: number;
  /** Capture time of the first sample, and the file's duration, s. */
  startS: number;
  durationS: number;
  /** Planar samples, one array per channel. */
  samples: Float32Array[];
  /** How each stream was played, with its side. */
  playouts: (StreamPlayout & { side: Side })[];
  wav(): Uint8Array;
}

export interface CallAudio {
  report: Report;
  /** Dialogs in the capture before the filter (callAudio sets it; planAudio's caller has its own). */
  unfiltered?: number;
  /** Files that have some decodable audio, in call then stream order. */
  plans: AudioPlan[];
  /** Selected audio streams that yield no audio: nothing decodable, or no packet kept. */
  silent: { stream: RtpStream; call: Call | null; reason: string }[];
  render(plan: AudioPlan): Promise<AudioOutput>;
}

/** Analyse a capture for its audio and plan the files to write. */
export async function callAudio(path: string, opts: CallAudioOptions = {}): Promise<CallAudio> {
  const wantedIds = opts.callId;
  const tap = createAudioTap({
    maxBytes: opts.maxBytes ?? DEFAULT_AUDIO_BYTES,
    // A Call-ID filter is known from the first packet: keep nothing of other calls.
    accept: wantedIds === undefined ? undefined : (ref) => ref.callId === null || ref.callId === wantedIds || ref.callId.includes(wantedIds),
  });
  const full = await analyze(path, { taps: [tap], media: { heuristic: !!opts.heuristic }, jitterBufferMs: opts.jitterBufferMs, onProgress: opts.onProgress });
  return { ...planAudio(isFiltering(opts) ? filterReport(full, opts) : full, tap.streams, opts), unfiltered: full.calls.length };
}

/**
 * The files to write for a report whose pass ran the audio tap (`kept`: the
 * tap's streams), honouring opts.calls / opts.streams / opts.mono; the
 * report is taken as already filtered. `sipflow report --audio` uses it too.
 */
export function planAudio(report: Report, kept: ReadonlyMap<number, StreamInput>, opts: CallAudioOptions = {}): CallAudio {
  const tap = { streams: kept };
  const callOf = new Map(report.calls.map((c) => [c.callId, c]));
  let calls = report.calls.filter((c) => c.kind === 'call' || c.streams.length > 0);
  if (opts.calls) calls = calls.filter((c) => opts.calls!.includes(c.index));
  let streams = report.rtpStreams.filter((s) => (s.mediaType ?? 'audio') === 'audio');
  if (opts.streams) streams = streams.filter((s) => opts.streams!.includes(s.index));
  else if (opts.calls || isFiltering(opts)) { const keep = new Set(calls.map((c) => c.callId)); streams = streams.filter((s) => s.callId !== null && keep.has(s.callId)); }

  const silent: CallAudio['silent'] = [];
  const playable = streams.filter((s) => {
    const input = tap.streams.get(s.index);
    const call = s.callId ? callOf.get(s.callId) ?? null : null;
    if (!input || input.packets.length === 0) { silent.push({ stream: s, call, reason: 'no packet of it was kept' }); return false; }
    if (nativeRate([input]) === 0) { silent.push({ stream: s, call, reason: undecodableReason(input, s) }); return false; }
    return true;
  });

  const plans: AudioPlan[] = [];
  if (opts.mono || opts.streams) {
    for (const s of playable) plans.push({ name: `stream-${s.index}.wav`, call: s.callId ? callOf.get(s.callId) ?? null : null, sides: [{ side: 'mono', streams: [s] }] });
  } else {
    const byCall = new Map<string, RtpStream[]>();
    for (const s of playable) {
      if (s.callId === null || !callOf.has(s.callId)) { plans.push({ name: `stream-${s.index}.wav`, call: null, sides: [{ side: 'mono', streams: [s] }] }); continue; }
      const list = byCall.get(s.callId) ?? [];
      list.push(s);
      byCall.set(s.callId, list);
    }
    for (const c of calls) {
      const list = byCall.get(c.callId);
      if (!list) continue;
      const side = sidesOf(c, list);
      plans.push({ name: `call-${c.index}.wav`, call: c, sides: [{ side: 'left', streams: list.filter((s) => side.get(s) === 'left') }, { side: 'right', streams: list.filter((s) => side.get(s) === 'right') }] });
    }
    plans.sort((a, b) => (a.call?.index ?? Infinity) - (b.call?.index ?? Infinity) || a.name.localeCompare(b.name));
  }

  async function render(plan: AudioPlan): Promise<AudioOutput> {
    const inputs = plan.sides.map((x) => x.streams.map((s) => tap.streams.get(s.index)!).filter(Boolean));
    const all = inputs.flat();
    const rate = opts.rate ?? nativeRate(all);
    // Both sides start at the earliest placed sample, so neither loses its first packet.
    const startS = firstPlaced(all, opts.jitterBufferMs);
    const stereo = plan.sides.length === 2;
    const tracks: Track[] = [];
    for (const inp of inputs) tracks.push(await playTrack(inp, { rate, startS, channels: stereo ? 1 : undefined, jitterBufferMs: opts.jitterBufferMs }));
    // Both channels as long as the longer one; a stereo file of one mono track per side.
    const len = Math.max(0, ...tracks.map((t) => t.samples[0]?.length ?? 0));
    const samples: Float32Array[] = [];
    for (const t of tracks) {
      for (const ch of t.samples.length ? t.samples : [new Float32Array(0)]) {
        if (ch.length === len) { samples.push(ch); continue; }
        const x = new Float32Array(len);
        x.set(ch.subarray(0, len));
        samples.push(x);
      }
    }
    const playouts = plan.sides.flatMap((x, i) => tracks[i]!.streams.map((p) => ({ ...p, side: x.side })));
    return {
      ...plan, rate, channels: samples.length, startS, durationS: len / rate, samples, playouts,
      wav: () => encodeWav(samples, rate),
    };
  }

  return { report, plans, silent, render };
}

/** Why a stream gives no audio: the reasons of its payload types, from the playout's codec table. */
function undecodableReason(input: StreamInput, s: RtpStream): string {
  const reasons = new Set<string>();
  let events = 0;
  for (const pt of new Set(input.packets.map((p) => p.pt))) {
    const k = payloadKind(encodingOf(pt, input.rtpmap.get(pt)), pt);
    if (k.kind === 'undecodable') reasons.add(`${k.codec}: ${k.reason}`);
    else if (k.kind === 'event') events++;
  }
  if (!reasons.size && events) return 'telephone-event only (DTMF digits, not audio)';
  return [...reasons].join('; ') || `${s.codec}: no audio payload`;
}

/**
 * Caller (left) and callee (right) streams. The caller is the call's initial
 * speaker (the source of its first request): audio sent from the endpoints
 * its SDP announced (else from its address) is left, audio sent to them right. Streams neither from nor to that address (a relay, NAT)
 * take the side of the stream they answer; the rest go left first.
 */
export function sidesOf(call: Call, streams: RtpStream[]): Map<RtpStream, 'left' | 'right'> {
  const side = new Map<RtpStream, 'left' | 'right'>();
  const caller = call.initialSpeaker;
  // The audio endpoints the caller's own SDP announced: they tell the sides apart even when both
  // parties share an address (a loopback lab, one host).
  const callerMedia = new Set<string>();
  // The caller's SIP endpoint: where the first request came from (its address alone when unknown).
  const first = call.messages.find((m) => hostOf(m.src) === caller)?.src;
  for (const m of call.messages) {
    if (m.src !== first || !m.sdpSummary) continue;
    for (const part of m.sdpSummary.split('; ')) { const x = /^audio \S+ (\S+)/.exec(part); if (x) callerMedia.add(x[1]!); }
  }
  for (const s of streams) {
    if (callerMedia.has(s.src)) side.set(s, 'left');
    else if (callerMedia.has(s.dst)) side.set(s, 'right');
  }
  for (const s of streams) {
    if (side.has(s)) continue;
    if (hostOf(s.src) === caller) side.set(s, 'left');
    else if (hostOf(s.dst) === caller) side.set(s, 'right');
  }
  for (const s of streams) {
    if (side.has(s)) continue;
    const known = [...side];
    if (known.some(([o, v]) => (v === 'left' && o.src === s.src) || (v === 'right' && o.dst === s.src))) side.set(s, 'left');
    else if (known.some(([o, v]) => (v === 'left' && o.dst === s.src) || (v === 'right' && o.src === s.src))) side.set(s, 'right');
    else side.set(s, known.some(([, v]) => v === 'left') ? 'right' : 'left');
  }
  return side;
}
