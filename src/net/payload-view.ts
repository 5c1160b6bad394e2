/**
 * The base of the per-packet records that are reused from packet to packet
 * (the decoder's UDP datagram, analyze()'s tap packet, the media tap's RTP
 * packet): the payload lies in place, `bytes[start, end)`, and the
 * `payload` view is made only when something reads it.
 *
 * `payload` stays an own enumerable property (a record spread or copied by a
 * tap keeps it), defined with one getter function shared by every record.
 * It used to be a closure per record: each record then had an accessor of
 * its own, so each analyze() call made new hidden classes, the per-packet
 * property loads went polymorphic, and a second analysis in the same
 * process (a library user's loop, each thread of `--jobs`) ran twice as
 * slow as the first. With one getter, V8 reuses the same transition.
 */
const EMPTY = new Uint8Array(0);

export class PayloadView {
  bytes: Uint8Array = EMPTY;
  start = 0;
  end = 0;
  #view: Uint8Array | null = null;
  declare readonly payload: Uint8Array;

  constructor() {
    Object.defineProperty(this, 'payload', PAYLOAD);
  }

  /** The view of `r`'s payload, made on first read. */
  static view(r: PayloadView): Uint8Array {
    return (r.#view ??= r.bytes.subarray(r.start, r.end));
  }

  /** Point at the next packet's bytes (the view made for the previous one is dropped). */
  place(bytes: Uint8Array, start: number, end: number): void {
    this.bytes = bytes;
    this.start = start;
    this.end = end;
    this.#view = null;
  }
}

/** The one accessor every record's `payload` is defined with. */
const PAYLOAD: PropertyDescriptor = {
  get(this: PayloadView) { return PayloadView.view(this); },
  enumerable: true,
};
