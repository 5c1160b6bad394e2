import type { Command } from 'commander';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { callAudio, type AudioOutput, type CallAudioOptions } from '../../call-audio.js';
import { EMPTY_FILTER_EXIT, emptyFilterNote, isFiltering, type RawCallFilter } from '../../filter.js';
import { addCallFilters, addRtpHeuristic, callFilterOf } from '../options.js';
import { printable } from '../../render/terminal.js';
import { EXIT_OK, UsageError, progressBar, reportError } from '../common.js';
import { noteStdin } from '../inputs.js';

interface AudioFlags extends RawCallFilter {
  output?: string;
  stream?: string;
  mono?: boolean;
  stereo?: boolean;
  rate?: string;
  jitterBuffer?: string;
  rtpHeuristic?: boolean;
  quiet?: boolean;
}

/** Output rates accepted by --rate (the codecs' own, and the usual audio rates). */
export const AUDIO_RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000];
/** Largest --jitter-buffer, ms. */
export const MAX_JITTER_BUFFER_MS = 2000;


/** Default folder: the capture's name with -audio, in the current directory. */
export function defaultAudioDir(file: string): string {
  const base = file === '-' ? 'capture' : basename(file).replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '') || 'capture';
  return `${base}-audio`;
}

function numbers(flag: string, v: string | undefined): number[] | undefined {
  if (v === undefined) return undefined;
  const list = v.split(',').map((s) => s.trim()).filter(Boolean);
  const out = list.map(Number);
  if (!list.length || out.some((n) => !Number.isInteger(n) || n < 1)) throw new UsageError(`${flag} ${v}: accepted values are stream or call numbers (1, 2, ...), comma-separated`);
  return out;
}

/** The options as the library takes them; throws UsageError with the one line to print. */
export function audioOptions(flags: AudioFlags): CallAudioOptions {
  if (flags.mono && flags.stereo) throw new UsageError('--mono and --stereo: accepted is one of them (--stereo, one file per call, is the default)');
  let rate: number | undefined;
  if (flags.rate !== undefined) {
    rate = Number(flags.rate);
    if (!AUDIO_RATES.includes(rate)) throw new UsageError(`--rate ${flags.rate}: accepted values are ${AUDIO_RATES.join(', ')}`);
  }
  let jitterBufferMs: number | undefined;
  if (flags.jitterBuffer !== undefined) {
    jitterBufferMs = Number(flags.jitterBuffer);
    if (!Number.isFinite(jitterBufferMs) || jitterBufferMs <= 0 || jitterBufferMs > MAX_JITTER_BUFFER_MS) {
      throw new UsageError(`--jitter-buffer ${flags.jitterBuffer}: accepted values are milliseconds from 1 to ${MAX_JITTER_BUFFER_MS}`);
    }
  }
  return {
    ...callFilterOf(flags),
    streams: numbers('--stream', flags.stream),
    mono: !!flags.mono, rate, jitterBufferMs, heuristic: !!flags.rtpHeuristic,
  };
}

const secs = (x: number) => `${x.toFixed(3)} s`;

/** What the command prints for one written file. */
export function describeOutput(path: string, o: AudioOutput, jitterBuffer: boolean): string[] {
  const layout = o.channels === 2 && o.sides.length === 2 ? 'stereo (left: caller, right: callee)' : o.channels === 2 ? 'stereo' : 'mono';
  const lines = [`${path}  ${secs(o.durationS)}  ${o.rate} Hz ${layout}  from ${o.startS.toFixed(3)} s${o.call ? `  call ${o.call.index}` : ''}`];
  for (const x of o.sides) {
    if (!x.streams.length) { lines.push(`  ${x.side.padEnd(5)}  (no audio this way)`); continue; }
    for (const s of x.streams) {
      const p = o.playouts.find((q) => q.index === s.index);
      const parts = [`${s.packets} packets`, `${p?.lost ?? 0} lost in ${p?.gaps ?? 0} gaps (${p?.gapMs ?? 0} ms silent)`];
      if (jitterBuffer) parts.push(`${p?.discarded ?? 0} discarded late`);
      if (p?.cnPackets) parts.push(`${p.cnPackets} comfort noise`);
      if (p?.resyncs) parts.push(`${p.resyncs} timestamp resyncs`);
      if (p?.dropped) parts.push(`${p.dropped} not kept (memory budget)`);
      if (p?.corrupt) parts.push(`${p.corrupt} corrupt payloads left silent`);
      const mos = typeof s.mos === 'number' ? `  MOS ${s.mos.toFixed(2)} (worst 5 s ${(s.mosWorst5s ?? s.mos).toFixed(2)}, R ${s.rFactor})` : '';
      lines.push(`  ${x.side.padEnd(5)}  stream ${s.index}  ${s.src} → ${s.dst}  ${s.codec}  ${parts.join(', ')}${mos}`);
      for (const u of p?.undecodable ?? []) lines.push(`         ${u.packets} packets of ${u.codec} left silent: ${u.reason}`);
      if (s.dtmf?.length) lines.push(`         DTMF ${s.dtmf.map((d) => `${d.digit}@${d.time.toFixed(2)}`).join(' ')}`);
    }
  }
  return lines.map(printable);
}

export function registerAudio(program: Command): void {
  const cmd = program
    .command('audio')
    .description('write the calls\' audio as WAV files (one stereo file per call, or one per stream) and score each stream (MOS)')
    .argument('<file>', 'pcap or pcapng file, optionally gzip-compressed; "-" reads standard input')
    .option('-o, --output <dir>', 'folder for the WAV files, created if missing (default: <capture name>-audio)')
    .option('--stream <k>', 'only RTP stream K (the # of the stream table), one mono WAV each; several as K,L');
  // The call filters and --rtp-heuristic every capture-reading command shares (options.ts); audio reads one capture, so no -r/-m.
  addCallFilters(cmd);
  addRtpHeuristic(cmd);
  cmd
    .option('--stereo', 'one stereo WAV per call, both directions on capture time: caller left, callee right (the default)')
    .option('--mono', 'one WAV per stream instead (an L16 stereo stream keeps its two channels)')
    .option('--rate <hz>', `output sample rate (${AUDIO_RATES.join(', ')}); default: the codec's`)
    .option('--jitter-buffer <ms>', 'play through a fixed jitter buffer: packets arriving later than it are discarded, counted, and scored as lost')
    .option('-q, --quiet', 'print nothing but errors')
    .addHelpText('after', `
Audio is placed by RTP timestamp as a phone plays it: lost packets are
silence, comfort noise (RFC 3389) is noise at its signalled level,
telephone-events are not audio (their DTMF digits are listed), timestamp
jumps, SSRC changes and marker bits re-anchor the stream on capture time so
two directions stay synchronised. Decoded: G.711 µ-law/A-law, G.722, L16,
GSM 06.10, Opus; others (G.729, iLBC, AMR...) are named as not decodable and
never written as noise.

MOS: ITU-T G.107 E-model per stream, overall and worst 5-second window
(also in \`sipflow analyze\`: the stream table's MOS columns and the JSON's
mos, rFactor, mosWorst5s, quality). Ie/Bpl per codec from G.113 Appendix I
(G.722, L16 and Opus scored as G.711 with concealment, stated as assumed);
loss includes --jitter-buffer discards; delay is the RTCP round trip / 2
where the capture has sender and receiver reports, else 20 ms, plus the
jitter buffer (40 ms when none is given), the packet time and the codec's
look-ahead.

Examples:
  $ sipflow audio fixtures/call-completed.pcapng -o /tmp/audio
  $ sipflow audio fixtures/call-completed.pcapng --call 1 --jitter-buffer 60 -o /tmp/audio
  $ sipflow audio fixtures/call-completed.pcapng --mono --rate 16000 -o /tmp/audio
  $ sipflow audio fixtures/call-completed.pcapng --stream 2 -o out/`)
    .action(async (file: string, flags: AudioFlags) => {
      try {
        process.exitCode = await run(file, flags);
      } catch (e) {
        process.exitCode = reportError(e);
      }
    });
}

async function run(file: string, flags: AudioFlags): Promise<number> {
  const opts = audioOptions(flags);
  const dir = flags.output ?? defaultAudioDir(file);
  noteStdin([file], 'audio');
  const bar = progressBar(file, !flags.quiet);
  let audio;
  try {
    audio = await callAudio(file, { ...opts, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.stop();
  }
  const { report, plans, silent } = audio;
  if (opts.calls) {
    for (const n of opts.calls) {
      if (!report.calls.some((c) => c.index === n)) {
        throw new UsageError(`--call ${n}: no call ${n} in ${file}; its dialogs: ${report.calls.map((c) => `${c.index} (${c.kind})`).join(', ') || 'none'}`);
      }
    }
  }
  if (opts.streams) {
    for (const k of opts.streams) {
      if (!report.rtpStreams.some((s) => s.index === k)) throw new UsageError(`--stream ${k}: no RTP stream ${k} in ${file}; its streams: ${report.rtpStreams.map((s) => s.index).join(', ') || 'none'}`);
    }
  }
  // A filter that kept no dialog: said as every command says it (filter.ts), exit 0.
  if (isFiltering(opts) && !report.calls.length && audio.unfiltered) {
    process.stderr.write(`sipflow: ${file}: ${emptyFilterNote(audio.unfiltered)}; nothing written\n`);
    return EMPTY_FILTER_EXIT;
  }
  const out = (s: string) => { if (!flags.quiet) process.stdout.write(s + '\n'); };
  if (plans.length) await mkdir(dir, { recursive: true });
  for (const plan of plans) {
    const o = await audio.render(plan);
    const path = join(dir, plan.name);
    await writeFile(path, o.wav());
    for (const line of describeOutput(path, o, opts.jitterBufferMs !== undefined)) out(line);
  }
  for (const x of silent) {
    out(printable(`not written: stream ${x.stream.index}${x.call ? ` (call ${x.call.index})` : ''} ${x.stream.src} → ${x.stream.dst}: ${x.reason}`));
  }
  if (!plans.length && !silent.length) out(`no audio streams${opts.streams || isFiltering(opts) ? ' selected' : ''} in ${file}`);
  if (report.warnings.some((w) => w.code === 'audio-limit')) out('! the audio memory budget was reached: later packets were not played');
  return EXIT_OK;
}
