/**
 * `sipflow browse` as one call: open the source, start the analysis, run
 * the screen until the user quits. The terminal is restored however it ends.
 */
import { App } from './app.js';
import { decodeKeys } from './keys.js';
import { openFeed, startAnalysis, type FeedSpec } from './feed.js';
import { saveCalls } from './save.js';
import { Screen } from './screen.js';
import { CallStore } from './store.js';
import { warmSearch } from './list.js';

export { FeedError, parseHepListen, type FeedSpec } from './feed.js';
export { App } from './app.js';
export { CallStore } from './store.js';
export { decodeKeys } from './keys.js';

export interface BrowseOptions {
  spec: FeedSpec;
  color: boolean;
  ascii: boolean;
  /** Calls kept with their messages on a live feed (older ended ones are summarised). */
  maxCalls: number;
  heuristic?: boolean;
  /** Start with every dialog listed (analyze --all). */
  all?: boolean;
}

/** Most redraws per second while data arrives (keys redraw at once). */
const REDRAW_MS = 200;
/** Longest slice of idle work (building search text) between two looks at the keyboard. */
const WARM_SLICE_MS = 15;

/** Runs until quit; resolves to the exit code. */
export async function browse(opts: BrowseOptions): Promise<number> {
  const feed = openFeed(opts.spec);
  const store = new CallStore(feed.label, feed.live ? opts.maxCalls : Infinity);
  const analysis = startAnalysis(feed, store, { heuristic: opts.heuristic });
  let screen: Screen;
  try { screen = new Screen(); } catch (e) { feed.close(); throw e; }
  screen.beforeExit = () => feed.close();

  // Packets per second over the last second, and memory, for the status line.
  let rate = 0;
  let lastFrames = 0;
  let lastAt = Date.now();
  const stats = (): string => {
    const mb = process.memoryUsage().rss / 1048576;
    return `${feed.live ? `${Math.round(rate)} pkt/s · ` : ''}${mb.toFixed(0)} MB`;
  };

  let finish!: (code: number) => void;
  const ended = new Promise<number>((res) => { finish = res; });
  const app = new App(store, {
    paint: { color: opts.color, ascii: opts.ascii },
    label: feed.label,
    live: feed.live,
    stats,
    note: () => feed.note,
    quit: (code = 0) => finish(code),
    suspend: () => {
      screen.restore();
      process.once('SIGCONT', () => { screen.start(); screen.invalidate(); draw(); });
      // No SIGTSTP handler is installed, so its default action stops the process until fg.
      process.kill(process.pid, 'SIGTSTP');
    },
    async save(base, calls, listed) {
      if (!store.done && !feed.live) return 'the capture is still being read: save when it is done';
      const r = await saveCalls(base, store.view(), calls, listed, { paths: feed.paths, index: analysis.index, ascii: opts.ascii, epoch: store.epoch });
      // The capture first (what the user asked for), then its companions by extension only: the line stays short.
      return `saved ${r.files[0]} (${r.frames} frames: ${r.how}); ladder .txt .svg, list .csv`;
    },
  }, screen.cols, screen.rows);
  if (opts.all) app.list = { ...app.list, all: true };

  const draw = () => {
    app.cols = screen.cols;
    app.rows = screen.rows;
    screen.draw(app.frame());
    store.dirty = false;
  };

  // The filter's search text of every call, built in idle time in slices short enough for keys to
  // get through: the first keystroke of a filter on 5 000 calls then costs what the next ones do.
  // A file is warmed once read (not during the pass, which it would slow); a live feed on each tick.
  let warmed = -1;
  const warm = (): void => {
    if (warmed === store.version) return;
    const v = store.version;
    if (warmSearch(store.calls, WARM_SLICE_MS)) warmed = v;
    else if (store.done) setImmediate(warm);
  };
  void analysis.done.then(warm);

  screen.start();
  try {
    screen.onResize(draw);
    screen.input.on('data', (d: string | Buffer) => {
      for (const ev of decodeKeys(typeof d === 'string' ? d : d.toString('utf8'))) {
        if (!app.handle(ev)) return;
      }
      draw();
    });
    const timer = setInterval(() => {
      const now = Date.now();
      if (now - lastAt >= 1000) { rate = (store.frames - lastFrames) * 1000 / (now - lastAt); lastFrames = store.frames; lastAt = now; store.dirty = true; }
      if (store.dirty) draw();
      if (feed.live || store.done) warm();
    }, REDRAW_MS);
    draw();
    // A file that is not a capture at all: nothing to browse, say it as any command would.
    void analysis.done.then(() => { if (store.error && store.calls.length === 0 && !feed.live) finish(-1); });
    const code = await ended;
    clearInterval(timer);
    screen.restore();
    feed.close();
    if (code === -1) { process.stderr.write(`sipflow: ${store.error}\n`); return 2; }
    return code;
  } finally {
    screen.restore();
    feed.close();
  }
}
