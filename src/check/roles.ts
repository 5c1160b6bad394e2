/**
 * Participants of a call named by role instead of by address, so an expected
 * flow survives new ephemeral ports and Call-IDs:
 *
 *   caller     the endpoint that sent the first request (Wireshark's initial speaker);
 *   proxy      every hop that received the first request and forwarded it
 *              (proxy, proxy2, ... in order of appearance);
 *   callee     the last hop the first request reaches (the one that answered
 *              with a 2xx when it forked: callee2, ... for the other branches);
 *              "registrar" for a REGISTER dialog;
 *   peer       any other endpoint (peer, peer2, ...), unless it shares its IP
 *              with exactly one of the above, which it then joins.
 *
 * User aliases ("192.0.2.1" or "192.0.2.1:5060" -> "pbx", the rule of
 * src/aliases.ts) replace the role of the endpoints they name.
 */
import type { Call, CallMessage } from '../model.js';
import { aliasOf, type Aliases } from '../aliases.js';
import { hostOf } from '../net/addr.js';

export interface Unit {
  /** The name steps use: role name or alias. */
  name: string;
  /** Endpoints ("ip:port") of the unit. */
  endpoints: Set<string>;
  ips: Set<string>;
  /** True when the name comes from a user alias (pinned to those addresses). */
  alias: boolean;
}

export interface CallRoles {
  /** In order of first appearance in the call. */
  units: Unit[];
  unitOf(endpoint: string): Unit;
  /** The unit an IP belongs to when exactly one has it, else null (for RTP addresses). */
  unitOfIp(ip: string): Unit | null;
}

/**
 * A call's messages in the order they happened: by time, then frame. Captures
 * of several interfaces are not always written in time order, and the flow of
 * a call is about what happened when.
 */
export function inTimeOrder<T extends { time: number; frame: number }>(msgs: T[]): T[] {
  for (let i = 1; i < msgs.length; i++) {
    const a = msgs[i - 1]!;
    const b = msgs[i]!;
    if (b.time < a.time || (b.time === a.time && b.frame < a.frame)) {
      return [...msgs].sort((x, y) => x.time - y.time || x.frame - y.frame);
    }
  }
  return msgs;
}

type RoleType = 'caller' | 'proxy' | 'callee' | 'peer';

interface Node {
  type: RoleType;
  endpoints: Set<string>;
  first: number;
  received: boolean;
  forwarded: boolean;
}

/** Name the participants of a call (see the file comment). Deterministic for a given call. */
export function callRoles(call: Pick<Call, 'kind' | 'messages'>, aliases: Aliases = {}): CallRoles {
  const msgs = inTimeOrder(call.messages);
  const order = new Map<string, number>();
  msgs.forEach((m, i) => {
    if (!order.has(m.src)) order.set(m.src, i * 2);
    if (!order.has(m.dst)) order.set(m.dst, i * 2 + 1);
  });
  const nodes: Node[] = [];
  const nodeOf = new Map<string, Node>();
  const add = (type: RoleType, ep: string): Node => {
    const n: Node = { type, endpoints: new Set([ep]), first: order.get(ep) ?? 0, received: false, forwarded: false };
    nodes.push(n);
    nodeOf.set(ep, n);
    return n;
  };
  const join = (n: Node, ep: string) => { n.endpoints.add(ep); nodeOf.set(ep, n); n.first = Math.min(n.first, order.get(ep) ?? n.first); };
  const byIp = (ep: string, among: Node[]): Node[] => among.filter((n) => [...n.endpoints].some((e) => hostOf(e) === hostOf(ep)));

  const firstReq: CallMessage | undefined = msgs.find((m) => m.method !== null && !m.retransmission) ?? msgs.find((m) => m.method !== null);
  if (firstReq) {
    const copies = msgs.filter((m) => m.method === firstReq.method && m.cseq === firstReq.cseq && !m.retransmission && m.method !== 'ACK');
    if (!copies.includes(firstReq)) copies.unshift(firstReq);
    // The originator sent a copy and received none (clock skew between interfaces aside).
    const receivers = new Set(copies.map((m) => m.dst));
    const first = copies.find((m) => !receivers.has(m.src)) ?? copies[0]!;
    copies.splice(copies.indexOf(first), 1);
    copies.unshift(first);
    add('caller', first.src);
    for (const c of copies) {
      let src = nodeOf.get(c.src);
      if (!src) {
        // The forwarder sent from another port of a host that received a copy (TCP, multi-homed).
        const cands = byIp(c.src, nodes);
        const recv = cands.filter((n) => n.received);
        src = recv.length ? recv[recv.length - 1]! : cands.length === 1 ? cands[0]! : undefined;
        if (src) join(src, c.src); else src = add('peer', c.src);
      }
      src.forwarded = true;
      const dst = nodeOf.get(c.dst) ?? add('callee', c.dst);
      dst.received = true;
    }
    for (const n of nodes) {
      if (n.type === 'caller') continue;
      if (n.received && n.forwarded) n.type = 'proxy';
      else if (n.received) n.type = 'callee';
    }
    // Of several leaves (forking), the one that answered 2xx is "callee".
    const leaves = nodes.filter((n) => n.type === 'callee');
    if (leaves.length > 1) {
      const ok = msgs.find((m) => m.status !== null && m.status >= 200 && m.status < 300 && m.cseq === first.cseq && leaves.some((n) => n.endpoints.has(m.src)));
      const answered = ok ? leaves.find((n) => n.endpoints.has(ok.src)) : leaves[leaves.length - 1];
      if (answered) { answered.first = -1; }
    }
  } else if (msgs.length) {
    // Only responses: the side they go to asked.
    add('caller', msgs[0]!.dst);
    add('callee', msgs[0]!.src);
  }
  // Every other endpoint joins the one node of its IP, or is a peer.
  for (const m of msgs) {
    for (const ep of [m.src, m.dst]) {
      if (nodeOf.has(ep)) continue;
      const cands = byIp(ep, nodes);
      if (cands.length === 1) join(cands[0]!, ep); else add('peer', ep);
    }
  }

  // Aliases take endpoints out of their role.
  const units: Unit[] = [];
  const unitOf = new Map<string, Unit>();
  const firstOf = new Map<Unit, number>();
  const aliasUnits = new Map<string, Unit>();
  for (const n of nodes) {
    for (const ep of n.endpoints) {
      const a = aliasOf(aliases, ep);
      if (a === null) continue;
      n.endpoints.delete(ep);
      let u = aliasUnits.get(a);
      if (!u) { u = { name: a, endpoints: new Set(), ips: new Set(), alias: true }; aliasUnits.set(a, u); units.push(u); firstOf.set(u, Infinity); }
      u.endpoints.add(ep);
      u.ips.add(hostOf(ep));
      unitOf.set(ep, u);
      firstOf.set(u, Math.min(firstOf.get(u)!, order.get(ep) ?? 0));
    }
  }
  const taken = new Set(aliasUnits.keys());
  const counters: Record<string, number> = {};
  // Number roles in order of appearance; a forked call's answering callee comes first.
  const live = nodes.filter((n) => n.endpoints.size > 0);
  for (const type of ['caller', 'proxy', 'callee', 'peer'] as RoleType[]) {
    const base = type === 'callee' && call.kind === 'registration' ? 'registrar' : type;
    for (const n of live.filter((x) => x.type === type).sort((a, b) => a.first - b.first)) {
      let name: string;
      do {
        const k = (counters[base] = (counters[base] ?? 0) + 1);
        name = k === 1 ? base : `${base}${k}`;
      } while (taken.has(name));
      taken.add(name);
      const u: Unit = { name, endpoints: n.endpoints, ips: new Set([...n.endpoints].map(hostOf)), alias: false };
      units.push(u);
      firstOf.set(u, Math.min(...[...n.endpoints].map((e) => order.get(e) ?? 0)));
      for (const ep of n.endpoints) unitOf.set(ep, u);
    }
  }
  units.sort((a, b) => firstOf.get(a)! - firstOf.get(b)!);
  return {
    units,
    unitOf(ep: string): Unit {
      let u = unitOf.get(ep);
      if (!u) {
        u = { name: ep, endpoints: new Set([ep]), ips: new Set([hostOf(ep)]), alias: false };
        unitOf.set(ep, u);
      }
      return u;
    },
    unitOfIp(ip: string): Unit | null {
      const c = units.filter((u) => u.ips.has(ip));
      return c.length === 1 ? c[0]! : null;
    },
  };
}

/** "192.0.2.1:5060" or "192.0.2.1:5060, 192.0.2.1:40112" for diffs. */
export function describeUnit(u: Unit): string {
  return [...u.endpoints].join(', ');
}
