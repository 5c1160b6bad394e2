/**
 * A write gathered over one turn of the event loop: however many times it is
 * asked for in the turn, `flush` runs once, when the turn ends. The recorder
 * and the journal gather a turn's packets and lines this way (a write each
 * was a fifth and a tenth of the proxy's CPU under load); a kill can lose
 * that turn's few milliseconds, never what was written before.
 */
export class EndOfTurn {
  private due = false;

  constructor(private readonly flush: () => void) {}

  /** Have `flush` run when this turn ends. */
  request(): void {
    if (this.due) return;
    this.due = true;
    setImmediate(this.now);
  }

  /** Run it now (close, exit); a request still pending then finds nothing more to write. */
  readonly now = (): void => {
    this.due = false;
    this.flush();
  };
}
