/**
 * Report vs expected flow -> differences.
 *
 * Calls are paired with expectations by best fit (minimum total difference,
 * Hungarian assignment), never by position. Within a pair, participant names
 * are bound to the call's participants by best fit too, then the expected
 * message list is aligned with the actual one (an edit distance that knows
 * optional and repeated steps), which yields the differences a person reads:
 * a changed message, a missing one, an extra one, one out of order.
 */
import type { Call, CallMessage, Report, RtpStream } from '../model.js';
import { whatMatches, type ExpectedCall, type Flow, type FlowStep } from './flow.js';
import { callRoles, describeUnit, inTimeOrder, type CallRoles, type Unit } from './roles.js';
import { callName, callsInScope, callStreams, messageWhat, retransmissions, reverseOf } from './snapshot.js';

export interface CheckOptions {
  /** Retransmissions count as messages: the flow must list them. */
  strictRetransmissions?: boolean;
  /** False when the analysis had no media stage (media expectations cannot be checked). */
  mediaAvailable?: boolean;
}

export type DifferenceType = 'field' | 'changed' | 'missing' | 'extra' | 'out-of-order' | 'media';

export interface Difference {
  type: DifferenceType;
  /** Expected step number (1-based) for step differences; for "extra", the step it follows (0 = before the first). */
  step: number | null;
  /** For "field": kind, from, to, state, outcome, partial. For "media": codecs, direction, loss, jitter, mos, streams. */
  field: string | null;
  expected: string | null;
  actual: string | null;
  /** Frame of the actual message (or of the call's first message for fields). */
  frame: number | null;
  /** Line of the flow file the expectation is written on, when known. */
  line?: number | null;
  /** One sentence that stands on its own. */
  message: string;
}

export interface CallRef {
  index: number;
  callId: string;
  name: string;
  firstFrame: number;
  lastFrame: number;
}

export interface CallResult {
  ok: boolean;
  status: 'match' | 'mismatch' | 'missing' | 'unexpected' | 'absent-optional';
  /** Expectation (1-based number in the flow file) and its name. */
  expected: { number: number; name: string | null; line: number | null } | null;
  actual: CallRef | null;
  /** Participant name -> the addresses it stood for in this call. */
  participants: Record<string, string>;
  differences: Difference[];
}

export interface CheckResult {
  ok: boolean;
  file: string;
  expect: string;
  calls: CallResult[];
  /** Problems that do not fail the check but a person should know about. */
  notes: string[];
}

const INF = 1e9;

// --- one call against one expectation --------------------------------------------

interface Evaluation {
  cost: number;
  differences: Difference[];
  participants: Record<string, string>;
}

function fieldDiffs(e: ExpectedCall, c: Call): Difference[] {
  const out: Difference[] = [];
  const check = (field: string, p: ExpectedCall['kind'], actual: string | null) => {
    if (p && !p.test(actual ?? '')) {
      out.push({ type: 'field', step: null, field, expected: p.source, actual: actual ?? '(none)', frame: c.firstFrame,
        message: `${field}: expected ${p.source}, actual ${actual ?? '(none)'}` });
    }
  };
  check('kind', e.kind, c.kind);
  check('from', e.from, c.from);
  check('to', e.to, c.to);
  check('state', e.state, c.state);
  check('outcome', e.outcome, c.outcome);
  if (e.partial !== null && e.partial !== c.partial) {
    out.push({ type: 'field', step: null, field: 'partial', expected: String(e.partial), actual: String(c.partial), frame: c.firstFrame,
      message: `partial: expected ${e.partial}, actual ${c.partial} (${c.partial ? 'the capture misses the start of the dialog' : 'the capture has the whole dialog'})` });
  }
  return out;
}

type Binding = Map<string, Unit>;

/** Compare one step with one message under a binding: 0 same, 1.5 similar (a "changed" message), INF unrelated. */
function stepCost(s: FlowStep, m: CallMessage, roles: CallRoles, b: Binding): number {
  const side = (name: string, ep: string) => name === '*' || b.get(name) === roles.unitOf(ep);
  const dir = side(s.from, m.src) && side(s.to, m.dst);
  const what = whatMatches(s.what, m);
  if (dir && what) return 0;
  if (dir || what) return 1.5;
  return INF;
}

type Op =
  | { op: 'match'; step: number; msg: number }
  | { op: 'changed'; step: number; msg: number }
  | { op: 'missing'; step: number }
  | { op: 'skip'; step: number }
  | { op: 'extra'; msg: number; after: number };

/** Edit-distance alignment of steps and messages, with ?/+ quantifiers. */
function align(steps: FlowStep[], msgs: CallMessage[], roles: CallRoles, b: Binding, withOps: boolean): { cost: number; ops: Op[] } {
  const m = steps.length;
  const n = msgs.length;
  const W = (m + 1) * 2;
  const idx = (i: number, j: number, c: number) => i * W + j * 2 + c;
  const cost = new Float64Array((n + 1) * W).fill(INF);
  const back = withOps ? new Int32Array((n + 1) * W).fill(-1) : null;
  const kind = withOps ? new Uint8Array((n + 1) * W) : null;
  const pairCost = new Float64Array(Math.max(1, n * m));
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) pairCost[i * m + j] = stepCost(steps[j]!, msgs[i]!, roles, b);
  const relax = (to: number, v: number, from: number, k: number) => {
    if (v < cost[to]! - 1e-9) {
      cost[to] = v;
      if (back) { back[to] = from; kind![to] = k; }
    }
  };
  cost[idx(0, 0, 0)] = 0;
  // Kinds: 1 finish step (done/skip), 2 missing, 3 match/changed, 4 extra.
  for (let i = 0; i <= n; i++) {
    for (let j = 0; j <= m; j++) {
      for (let c = 0; c < 2; c++) {
        const here = idx(i, j, c);
        const cur = cost[here]!;
        if (cur >= INF) continue;
        if (j < m) {
          const s = steps[j]!;
          if (c === 1 || s.min === 0) relax(idx(i, j + 1, 0), cur, here, 1);
          else relax(idx(i, j + 1, 0), cur + 1, here, 2);
          if (i < n) {
            const k = pairCost[i * m + j]!;
            if (k < INF) relax(s.repeat ? idx(i + 1, j, 1) : idx(i + 1, j + 1, 0), cur + k, here, 3);
          }
        }
        // An extra message costs a hair more the earlier it is: repeats match their first copy.
        if (i < n) relax(idx(i + 1, j, c), cur + 1 + (n - i) * 1e-6, here, 4);
      }
    }
  }
  const end = idx(n, m, 0);
  const total = cost[end]!;
  if (!withOps) return { cost: Math.round(total * 2) / 2, ops: [] };
  const ops: Op[] = [];
  for (let at = end; at !== idx(0, 0, 0);) {
    const from = back![at]!;
    const i = Math.floor(from / W);
    const j = Math.floor((from % W) / 2);
    switch (kind![at]) {
      case 1: ops.push({ op: 'skip', step: j }); break;
      case 2: ops.push({ op: 'missing', step: j }); break;
      case 3: ops.push({ op: pairCost[i * m + j] === 0 ? 'match' : 'changed', step: j, msg: i }); break;
      case 4: ops.push({ op: 'extra', msg: i, after: j }); break;
    }
    at = from;
  }
  return { cost: Math.round(total * 2) / 2, ops: ops.reverse() };
}

/** Partial injective maps from names to units, best candidates first; null when too many to try. */
function bindings(names: string[], units: Unit[], limit: number): Binding[] | null {
  let count = 1;
  for (let k = 0, acc = 1; k < names.length; k++) {
    acc *= units.length + 1;
    count = acc;
    if (count > limit) return null;
  }
  const out: Binding[] = [];
  const cur: Binding = new Map();
  const used = new Set<Unit>();
  const rec = (k: number) => {
    if (k === names.length) { out.push(new Map(cur)); return; }
    for (const u of units) {
      if (used.has(u)) continue;
      used.add(u); cur.set(names[k]!, u);
      rec(k + 1);
      used.delete(u); cur.delete(names[k]!);
    }
    rec(k + 1);
  };
  rec(0);
  return out;
}

function stepNames(steps: FlowStep[]): string[] {
  const s = new Set<string>();
  for (const st of steps) for (const n of [st.from, st.to]) if (n !== '*') s.add(n);
  return [...s];
}

function displayName(u: Unit, inverse: Map<Unit, string>): string {
  return inverse.get(u) ?? u.endpoints.values().next().value ?? u.name;
}

function describeMsg(m: CallMessage, roles: CallRoles, inverse: Map<Unit, string>, retransmission = m.retransmission): string {
  return `${displayName(roles.unitOf(m.src), inverse)} -> ${displayName(roles.unitOf(m.dst), inverse)}: ${messageWhat(m)}${retransmission ? ' (retransmission)' : ''}`;
}

/** Compare the message lists; returns the differences under the best binding. */
function compareMessages(steps: FlowStep[], msgs: CallMessage[], roles: CallRoles, aliasNames: Set<string>, full: boolean): Evaluation {
  const names = stepNames(steps);
  const fixed: Binding = new Map();
  for (const n of names) {
    if (aliasNames.has(n)) { const u = roles.units.find((x) => x.alias && x.name === n); if (u) fixed.set(n, u); }
  }
  const free = names.filter((n) => !aliasNames.has(n));
  const freeUnits = roles.units.filter((u) => !u.alias);
  // The binding by role name first: when the flow still holds, it is the answer.
  const byName: Binding = new Map(free.flatMap((n) => {
    const u = freeUnits.find((x) => x.name === n);
    return u ? [[n, u] as [string, Unit]] : [];
  }));
  let best: { cost: number; raw: number; b: Binding } | null = null;
  const tryBinding = (cand: Binding): boolean => {
    const b: Binding = new Map([...fixed, ...cand]);
    // Prefer names bound to the participant of the same role name, all else being equal.
    let tie = 0;
    for (const n of free) { const u = b.get(n); tie += u ? (u.name === n ? 0 : 0.001) : 0.002; }
    const { cost } = align(steps, msgs, roles, b, false);
    if (!best || cost + tie < best.cost - 1e-9) { best = { cost: cost + tie, raw: cost, b }; return true; }
    return false;
  };
  tryBinding(byName);
  if (best!.cost >= 0.0005) {
    const all = bindings(free, freeUnits, 300);
    if (all) {
      for (const cand of all) if (tryBinding(cand) && best!.cost < 0.0005) break;
    } else {
      // Too many participants to try every binding: improve one name at a time.
      for (let round = 0, better = true; better && round < 4; round++) {
        better = false;
        for (const n of free) {
          for (const u of [...freeUnits, null]) {
            const cur = new Map([...best!.b].filter(([k]) => free.includes(k)));
            const holder = [...cur].find(([, x]) => x === u)?.[0];
            const mine = cur.get(n);
            if (u === null) cur.delete(n); else cur.set(n, u);
            if (holder !== undefined && holder !== n) { if (mine) cur.set(holder, mine); else cur.delete(holder); }
            if (tryBinding(cur)) better = true;
          }
        }
      }
    }
  }
  const b = best!.b;
  const inverse = new Map<Unit, string>([...b].map(([n, u]) => [u, n]));
  const participants: Record<string, string> = {};
  for (const [n, u] of b) participants[n] = describeUnit(u);
  if (!full) return { cost: best!.raw, differences: [], participants };

  const { cost, ops } = align(steps, msgs, roles, b, true);
  const rt = retransmissions(msgs);
  const describe = (m: CallMessage) => describeMsg(m, roles, inverse, rt[msgs.indexOf(m)]);
  const differences: Difference[] = [];
  // Frame context for missing steps: the message matched just before.
  let lastFrame: number | null = null;
  let lastStep = 0;
  const missing: { step: FlowStep; afterFrame: number | null; at: number }[] = [];
  const extras: { msg: CallMessage; after: number; at: number }[] = [];
  for (const o of ops) {
    if (o.op === 'match') { lastFrame = msgs[o.msg]!.frame; lastStep = o.step + 1; continue; }
    if (o.op === 'skip') continue;
    if (o.op === 'changed') {
      const s = steps[o.step]!;
      const m = msgs[o.msg]!;
      const actual = describe(m);
      differences.push({ type: 'changed', step: s.number, field: null, expected: s.text, actual, frame: m.frame, line: s.line,
        message: `step ${s.number}: expected "${s.text}", actual "${actual}" (frame ${m.frame})` });
      lastFrame = m.frame; lastStep = o.step + 1;
    } else if (o.op === 'missing') {
      missing.push({ step: steps[o.step]!, afterFrame: lastFrame, at: differences.length });
      differences.push(null as unknown as Difference);
    } else {
      extras.push({ msg: msgs[o.msg]!, after: o.after > lastStep ? o.after : lastStep, at: differences.length });
      differences.push(null as unknown as Difference);
    }
  }
  // A missing step seen elsewhere as an extra message was reordered.
  const usedExtra = new Set<number>();
  for (const ms of missing) {
    const k = extras.findIndex((x, xi) => !usedExtra.has(xi) && stepCost(ms.step, x.msg, roles, b) === 0);
    if (k >= 0) {
      usedExtra.add(k);
      const x = extras[k]!;
      const where = x.after === 0 ? 'before step 1' : `after step ${x.after}`;
      const should = ms.step.number === 1 ? 'first' : `after step ${ms.step.number - 1}`;
      differences[ms.at] = { type: 'out-of-order', step: ms.step.number, field: null, expected: ms.step.text, actual: describe(x.msg), frame: x.msg.frame, line: ms.step.line,
        message: `step ${ms.step.number}: "${ms.step.text}" out of order: expected ${should}, seen ${where} (frame ${x.msg.frame})` };
    } else {
      const ctx = ms.afterFrame === null ? 'before the first message' : `after frame ${ms.afterFrame}`;
      differences[ms.at] = { type: 'missing', step: ms.step.number, field: null, expected: ms.step.text, actual: null, frame: ms.afterFrame, line: ms.step.line,
        message: `step ${ms.step.number}: missing "${ms.step.text}" (nothing matched ${ctx})` };
    }
  }
  extras.forEach((x, xi) => {
    if (usedExtra.has(xi)) { differences[x.at] = null as unknown as Difference; return; }
    const actual = describe(x.msg);
    const where = x.after === 0 ? 'before step 1' : `after step ${x.after}`;
    differences[x.at] = { type: 'extra', step: x.after, field: null, expected: null, actual, frame: x.msg.frame,
      message: `unexpected "${actual}" ${where} (frame ${x.msg.frame})` };
  });
  return { cost, differences: differences.filter((d) => d !== null), participants };
}

function mediaDiffs(e: ExpectedCall, c: Call, report: Report, roles: CallRoles, participants: Record<string, string>): Difference[] {
  const me = e.media;
  if (!me) return [];
  const out: Difference[] = [];
  const streams = callStreams(report, c).filter((s) => s.packets > 0);
  const inverse = new Map<string, string>();
  for (const [n, eps] of Object.entries(participants)) for (const ep of eps.split(', ')) inverse.set(ep, n);
  const side = (ep: string) => {
    const ip = ep.replace(/^\[([^\]]+)\]:\d+$/, '$1').replace(/^([^:\]]+):\d+$/, '$1');
    const u = roles.unitOfIp(ip);
    const n = u ? [...u.endpoints].map((x) => inverse.get(x)).find((x) => x) ?? u.name : null;
    return n ? `${n} (${ep})` : ep;
  };
  const dir = (s: RtpStream) => `${side(s.src)} -> ${side(s.dst)}`;
  const d = (field: string, expected: string | null, actual: string | null, frame: number | null, message: string) =>
    out.push({ type: 'media', step: null, field, expected, actual, frame, message });
  if (!streams.length) {
    d('streams', 'RTP', 'none', null, 'media: expected RTP, the call has no RTP stream');
    return out;
  }
  if (me.codecs) {
    for (const p of me.codecs) {
      if (!streams.some((s) => p.test(s.codec))) d('codecs', p.source, [...new Set(streams.map((s) => s.codec))].join(', '), null, `media: no ${p.source} stream (codecs seen: ${[...new Set(streams.map((s) => s.codec))].join(', ')})`);
    }
    for (const s of streams) {
      if (!me.codecs.some((p) => p.test(s.codec))) d('codecs', me.codecs.map((p) => p.source).join(', '), s.codec, s.firstFrame, `media: stream ${dir(s)} is ${s.codec}, expected ${me.codecs.map((p) => p.source).join(' or ')} (frame ${s.firstFrame})`);
    }
  }
  if (me.bothDirections) {
    for (const s of streams) {
      if (!reverseOf(s, streams)) {
        d('direction', `${dir({ ...s, src: s.dst, dst: s.src })}`, 'none', s.firstFrame,
          `media: one-way audio: RTP flows ${dir(s)} (${s.codec}, ${s.packets} packets from frame ${s.firstFrame}) but nothing flows back`);
      }
    }
  }
  if (me.maxLossPct !== null) {
    for (const s of streams) if (s.lossPct > me.maxLossPct) d('loss', `<= ${me.maxLossPct} %`, `${s.lossPct} %`, s.firstFrame, `media: stream ${dir(s)} lost ${s.lossPct} % (${s.lost} packets), limit ${me.maxLossPct} % (frame ${s.firstFrame})`);
  }
  if (me.maxJitterMs !== null) {
    for (const s of streams) if (s.maxJitterMs > me.maxJitterMs) d('jitter', `<= ${me.maxJitterMs} ms`, `${s.maxJitterMs} ms`, s.firstFrame, `media: stream ${dir(s)} max jitter ${s.maxJitterMs} ms, limit ${me.maxJitterMs} ms (frame ${s.firstFrame})`);
  }
  if (me.minMos !== null) {
    // Streams the E-model cannot score (video, codecs without figures) are not judged; a call with none fails.
    const scored = streams.filter((s) => typeof s.mos === 'number');
    if (!scored.length) {
      d('mos', `>= ${me.minMos}`, 'none', null, `media: no stream has a MOS to compare with ${me.minMos} (codecs: ${[...new Set(streams.map((s) => s.codec))].join(', ')})`);
    }
    for (const s of scored) {
      if (s.mos! < me.minMos) d('mos', `>= ${me.minMos}`, String(s.mos), s.firstFrame, `media: stream ${dir(s)} MOS ${s.mos!.toFixed(2)} (R ${s.rFactor}, loss ${s.quality?.lossPct ?? s.lossPct} %), minimum ${me.minMos} (frame ${s.firstFrame})`);
    }
  }
  return out;
}

function messagesOf(c: Call, opts: CheckOptions): CallMessage[] {
  const msgs = inTimeOrder(c.messages);
  if (opts.strictRetransmissions) return msgs;
  const rt = retransmissions(msgs);
  return msgs.filter((_, i) => !rt[i]);
}

function stepsOf(e: ExpectedCall, opts: CheckOptions): FlowStep[] | null {
  if (!e.messages) return null;
  return opts.strictRetransmissions ? e.messages : e.messages.filter((s) => !s.retransmission);
}

/** What decides a call's cost against an expectation without media: its fields and its message list by role. */
const signatures = new WeakMap<Call, { opts: CheckOptions; aliases: Record<string, string>; sig: string }>();

function signature(c: Call, opts: CheckOptions, aliases: Record<string, string>): string {
  const hit = signatures.get(c);
  if (hit && hit.opts === opts && hit.aliases === aliases) return hit.sig;
  const sig = computeSignature(c, opts, aliases);
  signatures.set(c, { opts, aliases, sig });
  return sig;
}

function computeSignature(c: Call, opts: CheckOptions, aliases: Record<string, string>): string {
  const roles = callRoles(c, aliases);
  const msgs = messagesOf(c, opts).map((m) => `${roles.unitOf(m.src).name}>${roles.unitOf(m.dst).name}:${m.method ?? m.status}:${m.sdp ? 1 : 0}:${m.retransmission ? 1 : 0}`);
  return [c.kind, c.from, c.to, c.state, c.outcome, c.partial, ...msgs].join('\n');
}

/** Compare one actual call with one expectation. `full` computes the difference list (else only the cost). */
export function evaluateCall(e: ExpectedCall, c: Call, report: Report, flow: Pick<Flow, 'aliases'>, opts: CheckOptions = {}, full = true, memo?: Map<string, number>): Evaluation {
  const fields = fieldDiffs(e, c);
  if (e.kind && fields.some((d) => d.field === 'kind')) return { cost: INF, differences: fields, participants: {} };
  const key = !full && memo && !e.media ? `${e.number}\u0000${signature(c, opts, flow.aliases)}` : null;
  if (key !== null && memo!.has(key)) return { cost: memo!.get(key)!, differences: [], participants: {} };
  const roles = callRoles(c, flow.aliases);
  const aliasNames = new Set(Object.values(flow.aliases));
  const steps = stepsOf(e, opts);
  const msgEval = steps ? compareMessages(steps, messagesOf(c, opts), roles, aliasNames, full) : { cost: 0, differences: [], participants: Object.fromEntries(roles.units.map((u) => [u.name, describeUnit(u)])) };
  const media = opts.mediaAvailable === false ? [] : mediaDiffs(e, c, report, roles, msgEval.participants);
  const cost = fields.length + msgEval.cost + media.length;
  if (key !== null) memo!.set(key, cost);
  return { cost, differences: [...fields, ...msgEval.differences, ...media], participants: msgEval.participants };
}

// --- the whole report ---------------------------------------------------------------

/** Minimum-cost assignment of a square matrix (Hungarian, O(n^3)); returns column of each row. */
export function assign(cost: number[][]): number[] {
  const n = cost.length;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1);
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1]![j - 1]! - u[i0]! - v[j]!;
        if (cur < minv[j]!) { minv[j] = cur; way[j] = j0; }
        if (minv[j]! < delta) { delta = minv[j]!; j1 = j; }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) { u[p[j]!] += delta; v[j] -= delta; } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do { const j1 = way[j0]!; p[j0] = p[j1]!; j0 = j1; } while (j0);
  }
  const rowCol = new Array<number>(n).fill(-1);
  for (let j = 1; j <= n; j++) if (p[j]) rowCol[p[j]! - 1] = j - 1;
  return rowCol;
}

function ref(c: Call): CallRef {
  return { index: c.index, callId: c.callId, name: callName(c), firstFrame: c.firstFrame, lastFrame: c.lastFrame };
}

function unmatchedExpectedCost(e: ExpectedCall): number {
  return e.optional ? 0 : 2 + (e.messages?.filter((s) => s.min > 0).length ?? 0);
}

function unmatchedActualCost(c: Call, opts: CheckOptions): number {
  return 2 + messagesOf(c, opts).length;
}

/** Check a report against a flow. */
export function checkReport(report: Report, flow: Flow, opts: CheckOptions = {}): CheckResult {
  const notes: string[] = [];
  const actual = callsInScope(report.calls, flow.scope);
  // Rows: expectations; a repeated one gets a row per actual call (all but the first optional).
  const rows: { e: ExpectedCall; optional: boolean }[] = [];
  for (const e of flow.calls) {
    const copies = e.repeat ? Math.max(1, actual.length) : 1;
    for (let k = 0; k < copies; k++) rows.push({ e, optional: e.optional || k > 0 });
  }
  const R = rows.length;
  const C = actual.length;
  const memo = new Map<string, number>();
  const pairCost: number[][] = rows.map((r, ri) => {
    // Copies of one expectation cost the same; compute once.
    const prev = ri > 0 && rows[ri - 1]!.e === r.e ? ri - 1 : -1;
    return prev >= 0 ? [] : actual.map((c) => evaluateCall(r.e, c, report, flow, opts, false, memo).cost);
  });
  for (let ri = 0; ri < R; ri++) if (!pairCost[ri]!.length && C) pairCost[ri] = pairCost[ri - 1]!;

  let rowCol: number[];
  const N = R + C;
  if (N <= 400) {
    const big = 1e7;
    const m: number[][] = [];
    for (let i = 0; i < N; i++) {
      const line = new Array<number>(N).fill(big);
      if (i < R) {
        for (let j = 0; j < C; j++) line[j] = Math.min(big, pairCost[i]![j]!);
        line[C + i] = rows[i]!.optional ? 0 : unmatchedExpectedCost(rows[i]!.e);
      } else {
        line[i - R] = unmatchedActualCost(actual[i - R]!, opts);
        for (let j = C; j < N; j++) line[j] = 0;
      }
      m.push(line);
    }
    rowCol = assign(m).slice(0, R).map((j) => (j < C ? j : -1));
    // Pairs the assignment could not make (different kinds) stay unmatched.
    rowCol = rowCol.map((j, i) => (j >= 0 && pairCost[i]![j]! >= INF ? -1 : j));
  } else {
    // Too many for the cubic assignment: greedy by cost.
    notes.push(`${R} expectations x ${C} calls: calls paired greedily`);
    const cells: [number, number, number][] = [];
    for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) if (pairCost[i]![j]! < INF) cells.push([pairCost[i]![j]!, i, j]);
    cells.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
    rowCol = new Array<number>(R).fill(-1);
    const taken = new Set<number>();
    for (const [cost, i, j] of cells) {
      if (rowCol[i] !== -1 || taken.has(j)) continue;
      if (cost > unmatchedExpectedCost(rows[i]!.e) + unmatchedActualCost(actual[j]!, opts) && rows[i]!.optional) continue;
      rowCol[i] = j; taken.add(j);
    }
  }

  const results: CallResult[] = [];
  const paired = new Set<number>();
  for (let i = 0; i < R; i++) {
    const { e, optional } = rows[i]!;
    const j = rowCol[i]!;
    const exp = { number: e.number, name: e.name, line: e.line };
    if (j < 0) {
      if (optional) {
        if (!e.repeat || !results.some((r) => r.expected?.number === e.number)) {
          results.push({ ok: true, status: 'absent-optional', expected: exp, actual: null, participants: {}, differences: [] });
        }
        continue;
      }
      results.push({ ok: false, status: 'missing', expected: exp, actual: null, participants: {}, differences: [{
        type: 'missing', step: null, field: null, expected: e.name ?? `call ${e.number}`, actual: null, frame: null,
        message: `no call in the capture matches expected call ${e.number}${e.name ? ` "${e.name}"` : ''}`,
      }] });
      continue;
    }
    paired.add(j);
    const c = actual[j]!;
    const ev = evaluateCall(e, c, report, flow, opts, true);
    const ok = ev.differences.length === 0;
    results.push({ ok, status: ok ? 'match' : 'mismatch', expected: exp, actual: ref(c), participants: ev.participants, differences: ev.differences });
  }
  // A repeated expectation that matched: drop its "absent" placeholder.
  const matchedNumbers = new Set(results.filter((r) => r.actual).map((r) => r.expected!.number));
  const kept = results.filter((r) => !(r.status === 'absent-optional' && matchedNumbers.has(r.expected!.number)));
  for (let j = 0; j < C; j++) {
    if (paired.has(j)) continue;
    const c = actual[j]!;
    const roles = callRoles(c, flow.aliases);
    const msgs = messagesOf(c, opts);
    const first = msgs[0] ?? c.messages[0];
    const firstText = first ? `${roles.unitOf(first.src).name} -> ${roles.unitOf(first.dst).name}: ${messageWhat(first)}` : '';
    kept.push({ ok: false, status: 'unexpected', expected: null, actual: ref(c), participants: Object.fromEntries(roles.units.map((u) => [u.name, describeUnit(u)])), differences: [{
      type: 'extra', step: null, field: null, expected: null, actual: `${c.kind} ${c.from} -> ${c.to} ${c.state}${c.outcome ? ` (${c.outcome})` : ''}`, frame: c.firstFrame,
      message: `unexpected ${c.kind} ${callName(c)}: ${c.state}${c.outcome ? ` / ${c.outcome}` : ''}, ${msgs.length} messages from frame ${c.firstFrame}${firstText ? ` ("${firstText}")` : ''}; the flow describes no such call`,
    }] });
  }
  if (opts.mediaAvailable === false && flow.calls.some((e) => e.media)) {
    notes.push('media expectations were not checked: this analysis has no media stage');
  }
  return { ok: kept.every((r) => r.ok), file: report.file, expect: flow.file, calls: kept, notes };

}
