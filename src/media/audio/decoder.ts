/**
 * What every payload decoder is to the playout: RTP payloads in sequence
 * order in, linear samples out. Decoders with state (G.722, GSM, Opus) must
 * see packets in sequence order, once each: the playout sorts and
 * de-duplicates before it decodes.
 */
export interface Decoder {
  /** Output samples per second. */
  readonly rate: number;
  /** Output channels (samples interleaved). */
  readonly channels: number;
  /** The samples of one RTP payload, interleaved, -1..1. */
  decode(payload: Uint8Array): Float32Array;
  /**
   * Samples standing in for a lost packet of `samples` frames, when the
   * codec has concealment; absent: the playout writes silence.
   */
  conceal?(samples: number): Float32Array | null;
  /** Payloads it could not decode (left silent), when the codec can tell. */
  readonly errors?: number;
  /** Release what the decoder holds (a WebAssembly instance). */
  free?(): void;
}
