/**
 * A fixed jitter buffer, as a phone configured with one plays a stream: the
 * first packet of a talkspurt is played `bufferMs` after it arrived, every
 * later packet at that moment plus its RTP timestamp's distance from the
 * first; a packet arriving after its moment is discarded (too late to play).
 *
 * The schedule is set again where a phone sets it again, so that no sender
 * quirk discards the rest of a call: at a marker bit (the start of a
 * talkspurt, RFC 3551 §4.1), when the payload clock changes, when a packet
 * is off its schedule by more than RESYNC_S either way (a timestamp jump, a
 * sender restarting its clock: early by that much would overflow any buffer,
 * late by that much is a new timeline rather than lateness), and after an
 * underrun: late packets for as long as the buffer holds.
 *
 * The quality tap (loss counted for the E-model) and the audio playout use
 * this one class, so `sipflow audio --jitter-buffer` and the MOS it prints
 * count the same discards.
 */

/** Seconds off schedule beyond which the buffer starts a new schedule instead of buffering or discarding. */
export const RESYNC_S = 1;

export class FixedJitterBuffer {
  /** Arrival time minus timestamp time of the schedule's first packet, plus the buffer (s); NaN before the first. */
  private base = NaN;
  private clock = 0;
  /** Timestamp time (s) of the first packet of the current run of late ones; NaN: none. */
  private lateSince = NaN;
  /** Packets discarded as late, and schedules started (the first included). */
  discarded = 0;
  resyncs = 0;

  constructor(readonly bufferMs: number) {}

  /**
   * Offer a packet in arrival order: true when it is played, false when it
   * came too late. `clockRate` 0 (telephone-event) is never late: events
   * are not audio and a phone reads them on arrival.
   */
  offer(arrivalS: number, extTimestamp: number, clockRate: number, marker: boolean): boolean {
    if (clockRate <= 0) return true;
    const tsS = extTimestamp / clockRate;
    const buffer = this.bufferMs / 1000;
    if (Number.isNaN(this.base) || clockRate !== this.clock || marker) return this.restart(arrivalS, tsS, buffer, clockRate);
    const playout = this.base + tsS;
    if (arrivalS <= playout) {
      this.lateSince = NaN;
      // Early by more than the buffer can hold plus the margin: the timeline moved.
      if (playout - arrivalS > buffer + RESYNC_S) return this.restart(arrivalS, tsS, buffer, clockRate);
      return true;
    }
    if (arrivalS - playout > RESYNC_S) return this.restart(arrivalS, tsS, buffer, clockRate);
    // Late. Once the late run covers the whole buffer, the buffer has run dry: like a phone after
    // an underrun, play this packet and schedule the rest from it (a path that got slower for
    // good would otherwise discard everything after).
    if (Number.isNaN(this.lateSince)) this.lateSince = tsS;
    else if (tsS - this.lateSince >= buffer) return this.restart(arrivalS, tsS, buffer, clockRate);
    this.discarded++;
    return false;
  }

  private restart(arrivalS: number, tsS: number, buffer: number, clockRate: number): true {
    this.lateSince = NaN;
    this.base = arrivalS + buffer - tsS;
    this.clock = clockRate;
    this.resyncs++;
    return true;
  }
}
