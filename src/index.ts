/**
 * sipflow as a library: the documented API (docs/api.md).
 *
 *   analyze(path, { taps })   one pass over a capture (or several merged) -> Report; taps see every packet
 *   extract(paths, out)       the frames of chosen calls, copied as captured
 *   render*                   Report -> terminal table, CSV, ladders, HTML
 *   checkReport / snapshot    Report vs expected flow
 *   startProxy                the SIP proxy/registrar with its recorder
 *
 * Everything exported here is the public surface; deeper imports are not
 * part of it. Importing this module loads no native module and no browser:
 * the proxy's SQLite store and the PNG/PDF rasteriser load when used.
 */
export { VERSION } from './version.js';

// Model: the vocabulary of every stage, and the JSON report's types.
export type {
  Report, ReportCapture, Call, CallKind, CallState, CallMessage, CallEvent, CallEventData, CallEventKind,
  MediaDescription, RtpStream, StreamQuality, Warning, SipMessage, SipHeader, SipUri, NameAddr, Endpoint, Frame, CaptureInfo,
  CaptureInterface, CaptureFormat, Transport,
} from './model.js';

// The pipeline and its taps.
export { analyze, type AnalyzeOptions } from './analyze.js';
export type { Tap, TapContext, PacketMeta, TransportPacket, RtpPacket, RtpStreamRef } from './tap.js';
export type { CallTrack } from './sip/calls.js';
export { createMediaTap, type MediaOptions } from './media/stage.js';
export { createSeriesTap, type SeriesTap, type StreamSeries } from './media/series.js';
export { createQualityTap, type QualityTap, type QualityOptions } from './media/quality.js';
export { eModel, mosFromR, codecImpairment, G107_DEFAULTS, type EModelParams, type EModelResult, type CodecImpairment } from './media/emodel.js';
export { createAudioTap, type AudioTap, type AudioTapOptions } from './media/audio/tap.js';
export { playTrack, type Track, type StreamInput, type StoredPacket, type StreamPlayout, type PlayoutOptions } from './media/audio/playout.js';
export { encodeWav, decodeWav } from './media/audio/wav.js';
export { callAudio, sidesOf, type CallAudio, type CallAudioOptions, type AudioPlan, type AudioOutput } from './call-audio.js';
export { EVENT_KINDS, eventText, partyName } from './events.js';
export { filterReport, matchCall, type CallFilter } from './filter.js';
export { parseAliases } from './aliases.js';

// Captures below the pipeline: reading, facts, writing.
export { readCapture, InputError, NotACaptureError, type ReadOptions, type RawRecord } from './capture/index.js';
export { readCaptures, readMerged, mergedName } from './capture/merge.js';
export { probeCapture, type CaptureProbe } from './capture/probe.js';
export { capinfo, type CapInfo } from './capinfo.js';
export { PcapngWriter, FileSink } from './capture/writer.js';

// SIP parsing, shared by the analyzer and the proxy.
export { parseSip, isSipParseError, header, headerValues, type ParsedSip } from './sip/parser.js';
export { registerExpiry, grantedExpiry, type RegisterExpiry } from './sip/register.js';
export { parseSdp, type Sdp, type SdpMedia } from './media/sdp.js';

// Renderers: Report in, text out. None of them reads a capture.
export { renderAnalyze, renderCallTable, renderStreamTable, renderEvents, renderCsv, tableCalls, type TableOptions } from './render/table.js';
export {
  ladders, renderText as renderLadder, renderLadderSvg, renderMermaid, LADDER_FORMATS,
  type Ladder, type LadderFormat, type LadderOptions,
} from './render/ladder/index.js';
export { renderHtmlReport, type HtmlOptions } from './render/html/index.js';
export { htmlReport, type HtmlReportOptions, type HtmlReportResult } from './html-report.js';

// Cutting calls out of captures (sipflow extract): index pass, then copy pass.
export {
  extract, indexCalls, writeFrames, extractFilterText, wiresharkFilter, selectCalls as selectExtractCalls, parseExtractFilter,
  createFrameIndexTap, FrameSelection, FilterError, RecordFormatError, CALL_STATES, OUTCOMES, EXTRACT_FORMATS,
  type ExtractOptions, type ExtractResult, type ExtractFilter, type ExtractFormat, type CallIndex, type CallFrames, type MediaSpan,
  type WriteOptions, type WriteResult, type SelectionOptions, type CopyStats,
} from './extract/index.js';
export { PcapngRecordWriter, PcapRecordWriter, type RecordWriter } from './capture/record-copy.js';
export { summarize, renderSummary, type CaptureSummary } from './render/summary.js';

// Flow checks.
export { parseFlow, type Flow } from './check/flow.js';
export { checkReport, type CheckOptions, type CheckResult, type Difference } from './check/match.js';
export { snapshotFlow, flowToYaml, flowToJson, type SnapshotOptions } from './check/snapshot.js';

// The proxy.
export { startProxy, type ProxyOptions, type RunningProxy } from './proxy/index.js';
