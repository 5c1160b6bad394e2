/**
 * The browser itself: modes (call list, call flow, help), the keys of each,
 * and drawing a frame from the store. The frame is built as Lines (text.ts)
 * and handed to the Screen, which rewrites only what changed; drawing is a
 * pure function of the state, so tests can call `frame()` without a terminal.
 */
import type { Call, Report } from '../model.js';
import { callTitle, type LadderRow } from '../render/ladder/index.js';
import { ColumnWidths, COLUMNS, cycle, headerLine, initialList, KINDS, layout, rowLine, STATES, visibleCalls, type ListState } from './list.js';
import { buildFlow, eventLines, flowStyle, messageLines, messageOf, streamLines, type FlowView } from './flow.js';
import type { InputEvent, KeyEvent } from './keys.js';
import { clip, clipStart, displayWidth, fitParts, Line, renderLine, safe, wrapLine, type Paint, type Style } from './text.js';
import type { CallStore } from './store.js';

export const HELP: [string, string][] = [
  ['Call list', ''],
  ['↑ ↓ PgUp PgDn Home End', 'move the selection (the mouse wheel scrolls, a click selects, a click on the selected row opens its flow)'],
  ['Enter', 'open the call flow of the marked calls, or of the selected one'],
  ['Space', 'mark / unmark the call (several marked calls open as one flow)'],
  ['/', 'filter as you type: From, To, Call-ID, User-Agent, any header (Enter keeps it, Esc clears)'],
  ['s  S', 'sort by the next / previous column (a click on a column header sorts by it)'],
  ['r', 'reverse the sort'],
  ['f  o  k', 'quick filters: cycle the state, the outcome, the dialog kind (those present in the capture)'],
  ['F  O  K', 'the same quick filters, cycled backwards'],
  ['a', 'all dialogs (registrations, OPTIONS...) or INVITE dialogs only'],
  ['c', 'clear the filters and marks (the a choice stays)'],
  ['w', 'save the marked (or selected) calls: .pcapng, ladder .txt and .svg, the list as .csv'],
  ['Call flow', ''],
  ['↑ ↓ Home End', 'select a message (or an RTP span)'],
  ['PgUp PgDn', 'scroll the message panel'],
  ['t', 'show / hide RTP streams in the ladder (the selected message stays selected)'],
  ['e', 'events timeline and RTP stream statistics in the panel (again: the message)'],
  ['w', 'save these calls'],
  ['q  Esc  ←', 'back to the call list'],
  ['Anywhere', ''],
  ['?  F1', 'this help'],
  ['W', "the analysis's warnings (any key returns)"],
  ['q', 'quit (from the call list); Ctrl-C quits at once; Ctrl-Z suspends (fg resumes)'],
];

export interface FlowState {
  calls: Call[];
  view: FlowView | null;
  /** Built for this width / store version / RTP toggle. */
  key: string;
  sel: number;
  top: number;
  panelTop: number;
  rtp: boolean;
  panel: 'message' | 'events';
  /** The row to select again once the ladder is rebuilt (after t: the rows change, the message stays). */
  keep: LadderRow | null;
}

export interface AppOptions {
  paint: Paint;
  /** What the title bar calls the source. */
  label: string;
  live: boolean;
  /** Writes the chosen calls; resolves to the notice shown. */
  save(base: string, calls: Call[], listed: Call[]): Promise<string>;
  /** Called on quit (130: Ctrl-C, as a shell reports an interrupted command). */
  quit(code?: number): void;
  /** Ctrl-Z: give the terminal back and stop, as a shell job does (raw mode swallows the signal key). */
  suspend?(): void;
  /** Memory and rate figures for the status line (live). */
  stats?(): string;
  note?(): string | null;
}

export class App {
  mode: 'list' | 'flow' | 'help' | 'warnings' = 'list';
  list: ListState = initialList();
  /** The selected call (kept across live updates and re-sorting), and the first row in view. */
  selected: Call | null = null;
  top = 0;
  marked = new Set<Call>();
  prompt: { kind: 'filter' | 'save'; text: string; before: string } | null = null;
  flow: FlowState | null = null;
  notice: string | null = null;
  helpTop = 0;
  private visible: Call[] = [];
  private visibleKey = '';
  private lastHeaderCols: { start: number; end: number; col: number }[] = [];
  private readonly widths = new ColumnWidths();

  constructor(readonly store: CallStore, readonly opts: AppOptions, public cols = 80, public rows = 24) {}

  /** The calls the list shows now (cached on the store version and the list state). */
  shown(): Call[] {
    const key = `${this.store.version}|${JSON.stringify(this.list)}`;
    if (key !== this.visibleKey) {
      this.visible = visibleCalls(this.store.calls, this.report(), this.list);
      this.visibleKey = key;
    }
    return this.visible;
  }

  private reportCache: { v: number; r: Report } | null = null;
  report(): Report {
    if (!this.reportCache || this.reportCache.v !== this.store.version) this.reportCache = { v: this.store.version, r: this.store.view() };
    return this.reportCache.r;
  }

  private selIndex(): number {
    const v = this.shown();
    if (!v.length) return -1;
    const i = this.selected ? v.indexOf(this.selected) : -1;
    if (i >= 0) return i;
    this.selected = v[0]!;
    return 0;
  }

  private listRows(): number { return Math.max(1, this.rows - 4); }

  private moveSel(delta: number, absolute?: number): void {
    const v = this.shown();
    if (!v.length) return;
    const cur = this.selIndex();
    const i = Math.max(0, Math.min(v.length - 1, absolute ?? cur + delta));
    this.selected = v[i]!;
  }

  /** Handle one input event; returns false when the app quits. */
  handle(ev: InputEvent): boolean {
    this.notice = null;
    if (ev.type === 'key' && ev.ctrl && ev.name === 'c') { this.opts.quit(130); return false; }
    if (ev.type === 'key' && ev.ctrl && ev.name === 'z') { this.opts.suspend?.(); return true; }
    if (ev.type === 'mouse') { this.mouse(ev); return true; }
    if (this.prompt) { this.promptKey(ev); return true; }
    if (this.mode === 'help' || this.mode === 'warnings') {
      // The arrows and pages scroll a help taller than the terminal; any other key returns.
      const page = Math.max(1, this.rows - 3);
      if (ev.name === 'down') this.helpTop++;
      else if (ev.name === 'up') this.helpTop--;
      else if (ev.name === 'pagedown' || ev.name === ' ') this.helpTop += page;
      else if (ev.name === 'pageup') this.helpTop -= page;
      else this.mode = this.flow ? 'flow' : 'list';
      return true;
    }
    if (ev.name === '?' || ev.name === 'f1') { this.mode = 'help'; this.helpTop = 0; return true; }
    if (ev.name === 'W') { this.mode = 'warnings'; this.helpTop = 0; return true; }
    if (this.mode === 'flow') return this.flowKey(ev);
    return this.listKey(ev);
  }

  private listKey(ev: KeyEvent): boolean {
    const page = this.listRows();
    switch (ev.name) {
      case 'q': this.opts.quit(); return false;
      case 'up': this.moveSel(-1); break;
      case 'down': this.moveSel(1); break;
      case 'pageup': this.moveSel(-page); break;
      case 'pagedown': this.moveSel(page); break;
      case 'home': this.moveSel(0, 0); break;
      case 'end': this.moveSel(0, this.shown().length - 1); break;
      case 'enter': this.openFlow(); break;
      case ' ': {
        const c = this.shown()[this.selIndex()];
        if (c) { if (this.marked.has(c)) this.marked.delete(c); else this.marked.add(c); this.moveSel(1); }
        break;
      }
      case '/': this.prompt = { kind: 'filter', text: this.list.filter, before: this.list.filter }; break;
      case 's': this.list = { ...this.list, sortCol: (this.list.sortCol + 1) % COLUMNS.length, sortDesc: false }; break;
      case 'S': this.list = { ...this.list, sortCol: (this.list.sortCol + COLUMNS.length - 1) % COLUMNS.length, sortDesc: false }; break;
      case 'r': this.list = { ...this.list, sortDesc: !this.list.sortDesc }; break;
      case 'f': case 'F': this.list = { ...this.list, state: cycle(this.list.state, this.states(), ev.name === 'F') }; break;
      case 'o': case 'O': this.list = { ...this.list, outcome: cycle(this.list.outcome, this.outcomes(), ev.name === 'O') }; break;
      case 'k': case 'K': this.list = { ...this.list, kind: cycle(this.list.kind, KINDS, ev.name === 'K') }; break;
      case 'a': this.list = { ...this.list, all: !this.list.all }; break;
      // Filters and marks go; the sort and the a choice (a view, not a filter) stay.
      case 'c': this.list = { ...initialList(), sortCol: this.list.sortCol, sortDesc: this.list.sortDesc, all: this.list.all }; this.marked.clear(); break;
      case 'w': this.askSave(this.chosen()); break;
      default: break;
    }
    return true;
  }

  /** States of the INVITE dialogs present, in the state machine's order, for the state quick filter. */
  private states(): string[] {
    const present = new Set<string>(this.store.calls.filter((c) => c.kind === 'call').map((c) => c.state));
    return STATES.filter((x) => present.has(x));
  }

  /** Outcomes present in the capture, for the outcome quick filter. */
  private outcomes(): string[] {
    return [...new Set(this.store.calls.map((c) => c.outcome).filter((o): o is string => !!o))].sort();
  }

  /** The marked calls in list order, or the selected one. */
  private chosen(): Call[] {
    const marked = this.shown().filter((c) => this.marked.has(c));
    if (marked.length) return marked;
    const c = this.shown()[this.selIndex()];
    return c ? [c] : [];
  }

  openFlow(): void {
    const calls = this.chosen();
    if (!calls.length) return;
    this.flow = { calls, view: null, key: '', sel: 0, top: 0, panelTop: 0, rtp: false, panel: 'message', keep: null };
    this.mode = 'flow';
  }

  private askSave(calls: Call[]): void {
    if (!calls.length) return;
    const base = calls.length === 1 ? `sipflow-call-${calls[0]!.index}` : `sipflow-calls-${calls.map((c) => c.index).slice(0, 4).join('-')}`;
    this.prompt = { kind: 'save', text: base, before: '' };
  }

  private promptKey(ev: KeyEvent): void {
    const p = this.prompt!;
    if (ev.name === 'escape') {
      if (p.kind === 'filter') this.list = { ...this.list, filter: '' };
      this.prompt = null;
      return;
    }
    if (ev.name === 'enter') {
      this.prompt = null;
      if (p.kind === 'save' && p.text.trim()) {
        const calls = this.mode === 'flow' && this.flow ? this.flow.calls : this.chosen();
        this.notice = 'saving…';
        this.opts.save(p.text.trim(), calls, this.shown()).then((n) => { this.notice = n; this.store.dirty = true; }, (e: unknown) => { this.notice = `save failed: ${(e as Error).message}`; this.store.dirty = true; });
      }
      return;
    }
    if (ev.name === 'backspace') p.text = [...p.text].slice(0, -1).join('');
    else if (ev.ctrl && ev.name === 'u') p.text = '';
    else if (ev.text) p.text += ev.text;
    else return;
    // Filter as you type.
    if (p.kind === 'filter') this.list = { ...this.list, filter: p.text };
  }

  private flowKey(ev: KeyEvent): boolean {
    const f = this.flow!;
    const rowsN = f.view?.ladder.rows.length ?? 0;
    switch (ev.name) {
      case 'q': case 'escape': case 'left': case 'backspace': this.mode = 'list'; this.flow = null; break;
      case 'up': f.sel = Math.max(0, f.sel - 1); f.panelTop = 0; break;
      case 'down': f.sel = Math.min(Math.max(0, rowsN - 1), f.sel + 1); f.panelTop = 0; break;
      case 'home': f.sel = 0; f.panelTop = 0; break;
      case 'end': f.sel = Math.max(0, rowsN - 1); f.panelTop = 0; break;
      case 'pageup': f.panelTop = Math.max(0, f.panelTop - this.panelHeight()); break;
      case 'pagedown': f.panelTop += this.panelHeight(); break;
      case 't': f.keep = f.view?.ladder.rows[f.sel] ?? null; f.rtp = !f.rtp; f.key = ''; break;
      case 'e': f.panel = f.panel === 'message' ? 'events' : 'message'; f.panelTop = 0; break;
      case 'w': this.askSave(f.calls); break;
      default: break;
    }
    return true;
  }

  private mouse(ev: { action: string; x: number; y: number }): void {
    if (this.mode === 'list') {
      if (ev.action === 'wheelup') this.moveSel(-3);
      else if (ev.action === 'wheeldown') this.moveSel(3);
      else if (ev.action === 'press') {
        if (ev.y === 1) {
          const hit = this.lastHeaderCols.find((h) => ev.x >= h.start && ev.x < h.end);
          if (hit) this.list = { ...this.list, sortCol: hit.col, sortDesc: this.list.sortCol === hit.col ? !this.list.sortDesc : false };
          return;
        }
        const i = this.top + ev.y - 2;
        const v = this.shown();
        if (ev.y >= 2 && i < v.length) {
          if (this.selected === v[i]) this.openFlow();
          else this.selected = v[i]!;
        }
      }
    } else if (this.mode === 'flow' && this.flow) {
      const f = this.flow;
      const n = f.view?.ladder.rows.length ?? 0;
      if (ev.action === 'wheelup') f.sel = Math.max(0, f.sel - 1);
      else if (ev.action === 'wheeldown') f.sel = Math.min(Math.max(0, n - 1), f.sel + 1);
      else if (ev.action === 'press' && f.view) {
        const line = f.top + ev.y - 1 - f.view.head - 1;
        if (line >= 0 && line < f.view.rowOf.length && ev.x < this.flowWidth()) { f.sel = f.view.rowOf[line]!; f.panelTop = 0; }
      }
    }
  }

  private side(): boolean { return this.cols >= 150; }
  private flowWidth(): number { return this.side() ? Math.floor(this.cols * 0.56) : this.cols; }
  private panelHeight(): number {
    const body = this.rows - 2;
    return this.side() ? body - 1 : body - Math.max(6, Math.floor(body * 0.55)) - 1;
  }

  /** The frame: exactly `rows` lines of exactly `cols` columns. */
  frame(): string[] {
    const lines = this.mode === 'help' ? this.helpFrame() : this.mode === 'warnings' ? this.warningsFrame() : this.mode === 'flow' && this.flow ? this.flowFrame() : this.listFrame();
    while (lines.length < this.rows - 1) lines.push(new Line());
    lines.length = this.rows - 1;
    lines.push(this.statusLine());
    return lines.map((l) => renderLine(l, this.cols, this.opts.paint));
  }

  /** The title bar; a long source name gives way (cut at its start) to the counts and filters after it. */
  private titleLine(text: string): Line {
    const l = new Line('status');
    const room = this.cols - displayWidth(` sipflow browse ·  · ${text}`);
    const label = clipStart(safe(this.opts.label), Math.max(12, room), this.opts.paint.ascii ? '~' : '…');
    l.add(` sipflow browse · ${label} · ${text}`);
    return l;
  }

  private listFrame(): Line[] {
    const v = this.shown();
    const total = this.store.calls.length;
    const s = this.list;
    const filters = [
      s.filter ? `filter "${s.filter}"` : '', s.state ? `state ${s.state}` : '', s.outcome ? `outcome ${s.outcome}` : '',
      s.kind ? `kind ${s.kind}` : '', s.all ? 'all dialogs' : '', this.marked.size ? `${this.marked.size} marked` : '',
    ].filter(Boolean).join(' · ');
    const r = this.report();
    const { keep, widths } = layout(this.widths.natural(this.store.calls, r, s, this.store.version), this.cols);
    // Sorted on a column too narrow a terminal leaves out: the title says so, as the header cannot.
    const hidden = keep.includes(s.sortCol) ? '' : ` · sorted by ${COLUMNS[s.sortCol]!.head}${s.sortDesc ? ' ▼' : ' ▲'}`;
    const out: Line[] = [this.titleLine(`${v.length}/${total} calls${hidden}${filters ? ' · ' + filters : ''}`)];
    const height = this.listRows();
    const sel = this.selIndex();
    if (sel >= 0) {
      if (sel < this.top) this.top = sel;
      if (sel >= this.top + height) this.top = sel - height + 1;
    }
    this.top = Math.max(0, Math.min(this.top, Math.max(0, v.length - height)));
    const page = v.slice(this.top, this.top + height);
    out.push(headerLine(keep, widths, s, this.opts.paint.ascii));
    this.lastHeaderCols = [];
    let x = 2;
    keep.forEach((i, k) => { this.lastHeaderCols.push({ start: x, end: x + widths[k]!, col: i }); x += widths[k]! + 1; });
    page.forEach((c, k) => out.push(rowLine(c, r, keep, widths, this.marked.has(c), this.top + k === sel, this.opts.paint.ascii)));
    if (!v.length) out.push(new Line().add(total ? '  no call matches the filters (c clears them)' : this.store.done ? '  no SIP dialogs found' : '  waiting for SIP…', 'dim'));
    while (out.length < this.rows - 2) out.push(new Line());
    out.length = this.rows - 2;
    out.push(this.hintLine([['↑↓ move', 5], ['Enter flow', 1], ['Space mark', 3], ['/ filter', 1], ['s/S sort', 2], ['r reverse', 7], ['f/o/k state/outcome/kind', 6], ['a all', 8], ['w save', 2], ['? help', 0], ['q quit', 0]]));
    return out;
  }

  /**
   * The line above the status line: the prompt while one is open, else a
   * notice (what a save wrote: it gets a line of its own, the status line is
   * full of counters), else the key hints that fit the width (help and quit
   * always among them).
   */
  private hintLine(hints: [string, number][]): Line {
    if (this.prompt) {
      const l = new Line();
      l.add(this.prompt.kind === 'filter' ? 'filter: ' : 'save as (base name): ', 'bold').add(safe(this.prompt.text)).add('█');
      return l;
    }
    if (this.notice) return new Line().add(safe(this.notice), 'bold');
    return new Line().add(fitParts(hints, '  ', this.cols), 'dim');
  }

  /** Counters and the source's state; what does not fit the width goes, the least telling first. */
  private statusLine(): Line {
    const st = this.store;
    const parts: [string, number][] = [];
    if (st.error) parts.push([`error: ${safe(st.error)}`, 0]);
    parts.push([`${st.frames} frames`, 4]);
    if (this.opts.live) parts.push([st.done ? 'feed ended' : 'live', 1]);
    else if (!st.done) parts.push(['reading…', 1]);
    const extra = this.opts.stats?.();
    if (extra) parts.push([extra, 5]);
    if (st.summarised || st.forgotten) parts.push([`max-calls ${st.maxCalls}: ${st.summarised} summarised, ${st.forgotten} forgotten`, 2]);
    if (st.warnings.length) parts.push([`${st.warnings.length} warning${st.warnings.length === 1 ? '' : 's'} (W)`, 3]);
    const note = this.opts.note?.();
    if (note) parts.push([safe(note), 3]);
    return new Line('status').add(' ' + fitParts(parts, ' · ', this.cols - 1));
  }

  private ensureFlow(): FlowView {
    const f = this.flow!;
    const key = `${this.store.version}|${this.flowWidth()}|${f.rtp}`;
    if (!f.view || f.key !== key) {
      // A live call grows (rows come in between when calls are merged), t adds or removes the RTP
      // spans: rebuild the ladder and select the same message again, not the same position.
      const keep = f.keep ?? f.view?.ladder.rows[f.sel] ?? null;
      f.view = buildFlow(this.report(), f.calls, { width: this.flowWidth(), rtp: f.rtp, ascii: this.opts.paint.ascii });
      f.key = key;
      if (keep) f.sel = sameRow(f.view.ladder.rows, keep);
      f.keep = null;
      f.sel = Math.min(f.sel, Math.max(0, f.view.ladder.rows.length - 1));
    }
    return f.view;
  }

  private flowFrame(): Line[] {
    const f = this.flow!;
    const view = this.ensureFlow();
    const title = f.calls.length === 1 ? callTitle(f.calls[0]!) : `${f.calls.length} calls: ${f.calls.map((c) => c.index).join(', ')}`;
    const out: Line[] = [this.titleLine(safe(title))];
    const body = this.rows - 2;
    const side = this.side();
    const ladderH = side ? body : Math.max(6, Math.floor(body * 0.55));
    const fw = this.flowWidth();
    const paint = this.opts.paint;

    // Ladder lines: the header stays, rows scroll with the selection in view.
    const ladder: Line[] = [];
    for (let i = 0; i < view.head; i++) ladder.push(new Line().add(view.lines[i]!, i === 0 ? 'bold' : 'dim'));
    const rowsH = Math.max(1, ladderH - view.head);
    const first = view.firstLine[f.sel] ?? view.head;
    const last = (view.firstLine[f.sel + 1] ?? view.lines.length) - 1;
    const selFrom = first - view.head, selTo = last - view.head;
    if (selFrom < f.top) f.top = selFrom;
    if (selTo >= f.top + rowsH) f.top = selTo - rowsH + 1;
    // No blank space under the last row while earlier rows are hidden (after a resize, say).
    f.top = Math.max(0, Math.min(f.top, view.lines.length - view.head - rowsH));
    for (let k = 0; k < rowsH; k++) {
      const li = view.head + f.top + k;
      if (li >= view.lines.length) { ladder.push(new Line()); continue; }
      const rowIdx = view.rowOf[li - view.head]!;
      const row = view.ladder.rows[rowIdx]!;
      const selected = rowIdx === f.sel;
      ladder.push(new Line(selected ? 'sel' : '').add(safe(view.lines[li]!), selected ? '' : flowStyle(row)));
    }
    if (!view.ladder.rows.length) ladder.push(new Line().add('  (no messages)', 'dim'));

    // The panel: the selected message, an RTP span's figures, or the events and streams.
    const row = view.ladder.rows[f.sel];
    const summarised = f.calls.some((c) => c.messages.length === 0);
    let text: Line[];
    if (f.panel === 'events') text = eventLines(f.calls, this.report());
    else if (row?.kind === 'rtp') text = streamLines(this.report().rtpStreams.find((s) => s.index === row.stream));
    else text = messageLines(row ? messageOf(f.calls, row) : null, summarised);
    // Beside the ladder, the panel's first line is its label (what it shows, which lines of how many).
    const pw = side ? this.cols - fw - 1 : this.cols;
    const panel = text.flatMap((l) => wrapLine(l, pw));
    const panelH = side ? body - 1 : body - ladderH - 1;
    f.panelTop = Math.max(0, Math.min(f.panelTop, Math.max(0, panel.length - panelH)));
    const shownPanel = panel.slice(f.panelTop, f.panelTop + panelH);
    const more = panel.length > panelH ? ` ${f.panelTop + 1}-${Math.min(panel.length, f.panelTop + panelH)}/${panel.length} PgUp/PgDn` : '';
    const rule = paint.ascii ? '-' : '─';
    const label = `${rule.repeat(3)} ${f.panel === 'events' ? 'events & streams' : row?.kind === 'rtp' ? 'RTP stream' : 'message'}${more} `;
    const labelLine = (w: number) => new Line().add(label + rule.repeat(Math.max(0, w - displayWidth(label))), 'dim');
    if (side) shownPanel.unshift(labelLine(pw));

    if (side) {
      const bar = paint.ascii ? '|' : '│';
      for (let k = 0; k < body; k++) {
        const l = new Line();
        const a = ladder[k] ?? new Line();
        // Side by side: the ladder line clipped to its pane, a bar, the panel line.
        const left = renderPlainSegs(a, fw);
        for (const s of left) l.add(s.text, s.style || (a.base === 'sel' ? 'sel' : ''));
        l.add(bar, 'dim');
        const p = shownPanel[k];
        if (p) for (const s of renderPlainSegs(p, pw)) l.add(s.text, s.style);
        out.push(l);
      }
    } else {
      out.push(...ladder.slice(0, ladderH));
      while (out.length < 1 + ladderH) out.push(new Line());
      out.push(labelLine(this.cols));
      out.push(...shownPanel);
    }
    while (out.length < this.rows - 2) out.push(new Line());
    out.length = this.rows - 2;
    out.push(this.hintLine([['↑↓ message', 2], ['PgUp/PgDn panel', 3], ['t RTP', 4], ['e events/streams', 5], ['w save', 1], ['q back', 0], ['? help', 0]]));
    return out;
  }

  /** The analysis's warnings (the status line only counts them), wrapped, scrolled as the help is. */
  private warningsFrame(): Line[] {
    const body: Line[] = [];
    const ws = this.store.warnings;
    if (!ws.length) body.push(new Line().add('  no warnings', 'dim'));
    for (const w of ws) {
      const head = w.frame === null ? '' : `frame ${w.frame}: `;
      wrap(safe(`${head}${w.message} [${w.code}]`), this.cols - 4).forEach((part, i) => body.push(new Line().add((i === 0 ? ' • ' : '   ') + part)));
    }
    return this.scrolled(`${ws.length} warning${ws.length === 1 ? '' : 's'}`, body);
  }

  /** A titled page of lines scrolled by helpTop (help, warnings). */
  private scrolled(title: string, body: Line[]): Line[] {
    const height = this.rows - 2;
    this.helpTop = Math.max(0, Math.min(this.helpTop, body.length - height));
    const more = body.length > height ? ` ${this.helpTop + 1}-${Math.min(body.length, this.helpTop + height)}/${body.length} · ↑↓ PgDn` : '';
    return [this.titleLine(`${title}${more} · any key returns`), ...body.slice(this.helpTop, this.helpTop + height)];
  }

  private helpFrame(): Line[] {
    // Keys in a column of their own, descriptions wrapped to the width.
    const keyW = Math.min(Math.max(...HELP.map(([k, d]) => (d ? displayWidth(k) : 0))) + 1, Math.floor(this.cols / 3));
    const descW = Math.max(10, this.cols - keyW - 4);
    const body: Line[] = [];
    for (const [k, d] of HELP) {
      if (!d) { body.push(new Line()); body.push(new Line().add(' ' + k, 'head')); continue; }
      wrap(d, descW).forEach((part, i) => body.push(new Line().add('   ' + (i === 0 ? k : '').padEnd(keyW), 'bold').add(' ' + part)));
    }
    body.push(new Line());
    for (const part of wrap('Colours follow the call table (NO_COLOR or --no-color turns them off); --ascii draws without box characters.', this.cols - 4)) body.push(new Line().add('   ' + part, 'dim'));
    return this.scrolled('help', body);
  }
}

/** The row of `rows` that shows what `was` showed (the same message, the same RTP stream), else the nearest in time. */
export function sameRow(rows: readonly LadderRow[], was: LadderRow): number {
  const i = rows.findIndex((r) => r.kind === was.kind && r.call === was.call && (r.kind === 'rtp' ? r.stream === (was as typeof r).stream : r.frame === was.frame && r.time === was.time));
  if (i >= 0) return i;
  let best = 0;
  rows.forEach((r, k) => { if (Math.abs(r.time - was.time) < Math.abs(rows[best]!.time - was.time)) best = k; });
  return best;
}

/** Words of `s` in lines of at most `w` columns. */
function wrap(s: string, w: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && displayWidth(line) + 1 + displayWidth(word) > w) { out.push(line); line = word; } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

/** A Line's segments clipped to `w` columns and padded to exactly `w` (for side-by-side panes). */
function renderPlainSegs(l: Line, w: number): { text: string; style: Style }[] {
  const out: { text: string; style: Style }[] = [];
  let used = 0;
  for (const s of l.segs) {
    if (used >= w) break;
    let t = s.text;
    const tw = displayWidth(t);
    if (used + tw > w) t = clip(t, w - used, '…');
    out.push({ text: t, style: s.style });
    used += displayWidth(t);
  }
  if (used < w) out.push({ text: ' '.repeat(w - used), style: '' });
  return out;
}

