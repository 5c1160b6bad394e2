/**
 * Where a request goes (RFC 3261 §16.3-16.5): Max-Forwards and loop checks,
 * route pre-processing (our own Route entries removed, a strict-routing
 * previous hop undone), then the next hop: the top Route (loose routing),
 * the contacts registered for a user of ours (the location service), or the
 * Request-URI's host. Requests for the proxy itself and REGISTERs are
 * answered here or handed to the registrar. The request is edited on the way
 * (R-URI, Route set, our Proxy-Authorization removed); forwarding is the
 * proxy core's.
 *
 * With users (digest authentication on) the proxy lets no one through:
 * - every out-of-dialog request is challenged (407, §22.3), whatever its
 *   method, and its From must be the authenticated user of this domain; the
 *   one exception is an OPTIONS to the proxy itself (a keep-alive), which
 *   reaches no user. ACK and CANCEL are never challenged (§22.1): the core
 *   matches them to the INVITE they belong to.
 * - an in-dialog request (To tag) is routed only when it follows this
 *   proxy's Record-Route (its top Route names us) for a dialog the proxy
 *   forwarded (call-table.ts): 403 without our Route, 481 for an unknown dialog;
 * - no open relay: a request for a domain the proxy does not serve (or with
 *   a Route elsewhere) is refused with 403 unless `allowRelay` is set, and
 *   then only for an authenticated user.
 * Every refusal is journaled.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipUri } from '../model.js';
import { parseEndpoint, unbracketed } from '../net/addr.js';
import type { ParsedSip } from '../sip/parser.js';
import { parseNameAddr, parseUri, parseVia } from '../sip/uri.js';
import type { Authenticator } from './authenticate.js';
import type { CallTable } from './call-table.js';
import { md5 } from './digest.js';
import type { LocalAddress } from './local-address.js';
import type { Binding, LocationService } from './location.js';
import type { SipMsg } from './message.js';
import type { HeaderList } from './responses.js';
import type { Addr } from './transport.js';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, REFER, NOTIFY, SUBSCRIBE, INFO, UPDATE, PRACK, MESSAGE';

/**
 * A next hop that DNS cannot give an address for. Not an internal error: a
 * name that does not exist (or has no address) is 404, a lookup that failed
 * for now (no answer, a server failure) is 503 with Retry-After (RFC 3261
 * §8.1.3.1 counts a failed lookup as a 503 of the branch).
 */
export class UnresolvableHop extends Error {
  constructor(readonly status: 404 | 503, readonly reason: string, message: string) { super(message); }
}

function unresolvable(host: string, e: NodeJS.ErrnoException): UnresolvableHop {
  const shown = host.length > 80 ? `${host.slice(0, 80)}…` : host;
  if (e.code === 'ENOTFOUND' || e.code === 'ENODATA') {
    return new UnresolvableHop(404, `Not Found - ${shown} does not resolve`, `next hop ${shown} does not resolve (${e.code})`);
  }
  return new UnresolvableHop(503, `Service Unavailable - cannot resolve ${shown} now`, `next hop ${shown}: DNS lookup failed (${e.code ?? e.message})`);
}

/** One branch of a forwarded request: the Request-URI it carries and where it is sent. */
export interface Target { uri: string; dest: Addr }

export type Routing =
  | { kind: 'answer'; status: number; reason?: string; headers?: HeaderList }
  | { kind: 'register' }
  | { kind: 'forward'; targets: Target[]; maxForwards: number; loopHash: string };

function answer(status: number, reason?: string, headers?: HeaderList): Routing {
  return { kind: 'answer', status, ...(reason !== undefined ? { reason } : {}), ...(headers ? { headers } : {}) };
}

/** The URI of a Route (or R-URI) value: name-addr, or an addr-spec whose parameters stay the URI's (lr, maddr). */
function uriOf(nameAddrOrUri: string): SipUri | null {
  const t = nameAddrOrUri.trim();
  if (t.includes('<')) return parseNameAddr(t).uri;
  return parseUri(t);
}

/** What the router needs besides the location service when authentication is on. */
export interface AccessPolicy {
  auth: Authenticator;
  dialogs: CallTable;
  /** Authenticated users may send requests to other domains (`--allow-relay`). */
  allowRelay: boolean;
  /** Journal a refusal. */
  refused(text: string): void;
}

export class Router {
  constructor(
    private readonly local: LocalAddress,
    private readonly location: LocationService,
    private readonly policy: AccessPolicy | null,
  ) {}

  /** Is this user one of ours (declared in the users file)? */
  private hasUser(user: string): boolean { return this.policy?.auth.digest.hasUser(user) ?? false; }

  /**
   * The request follows this proxy's Record-Route: its top Route names us, or
   * (a strict-routing previous hop) its Request-URI does and Routes follow.
   */
  followsOurRoute(m: SipMsg): boolean {
    const routes = m.all('Route');
    if (routes.length && this.local.isUs(uriOf(routes[0]!), false)) return true;
    const u = parseUri(m.uri);
    return !!u && routes.length > 0 && this.local.isUs(u, false) && u.params['lr'] === undefined;
  }

  /**
   * With authentication on, may this in-dialog request (To tag) pass? Null
   * when it may, else the answer (403: not through our Record-Route, 481: no
   * such dialog). `viaUs` is followsOurRoute() before route pre-processing.
   */
  inDialogRefusal(p: ParsedSip, viaUs: boolean, from: string): Routing | null {
    const policy = this.policy;
    if (!policy) return null;
    if (!viaUs) {
      policy.refused(`refused in-dialog ${p.method} from ${from}: no Route naming this proxy (403) (${p.callId})`);
      return answer(403, 'Forbidden - in-dialog request not routed through this proxy');
    }
    if (!policy.dialogs.knows(p)) {
      policy.refused(`refused in-dialog ${p.method} from ${from}: no such dialog (481) (${p.callId})`);
      return answer(481);
    }
    return null;
  }

  /** §16.6 step 8: a hash of what identifies the request's routing, written into our branch to spot loops (§16.3 step 4). */
  loopHash(p: ParsedSip): string {
    return md5(`${p.requestUri}|${p.fromTag}|${p.toTag}|${p.callId}|${p.cseqNum}|${p.headersNamed('Route').join(',')}|${p.header('Proxy-Require') ?? ''}`).slice(0, 8);
  }

  /** Decide what to do with a request that opened a server transaction; `m` is edited for forwarding. */
  async route(p: ParsedSip, m: SipMsg, src: Addr): Promise<Routing> {
    const method = p.method!;
    const from = `${src.ip.includes(':') ? `[${src.ip}]` : src.ip}:${src.port}`;
    // Max-Forwards (§16.3 step 3).
    const mfText = p.header('Max-Forwards');
    let mf = 70;
    if (mfText !== null) {
      mf = Number(mfText.trim());
      if (!Number.isInteger(mf) || mf < 0) return answer(400, 'Bad Request - bad Max-Forwards');
      if (mf === 0) {
        const u = uriOf(p.requestUri!);
        if (method === 'OPTIONS' && this.local.isUs(u, true) && u?.user === null) return answer(200, undefined, [['Allow', ALLOW]]);
        return answer(483);
      }
    }
    // Loop detection (§16.3 step 4): our own Via with this request's loop hash.
    const hash = this.loopHash(p);
    for (const v of p.headerValues('Via')) {
      const via = parseVia(v);
      if (via && via.branch?.startsWith(`z9hG4bK-sf${hash}-`) && this.local.isOurSentBy(via.host, via.port)) return answer(482);
    }
    const policy = this.policy;
    const inDialog = p.toTag !== null && method !== 'REGISTER';
    if (policy && inDialog) {
      const refusal = this.inDialogRefusal(p, this.followsOurRoute(m), from);
      if (refusal) return refusal;
    }
    // Pre-processing of routes (§16.4): strict-routing previous hop, then our own Route entries.
    let ruri = m.uri;
    const ruriParsed = parseUri(ruri);
    const routes = m.all('Route');
    if (ruriParsed && this.local.isUs(ruriParsed, false) && ruriParsed.params['lr'] !== undefined && routes.length) {
      ruri = parseNameAddr(routes.pop()!).uriText;
    }
    m.uri = ruri;
    this.dropOwnRoutes(m, routes);

    const target = routes.length ? null : parseUri(ruri);
    if (!routes.length && (!target || (target.scheme !== 'sip' && target.scheme !== 'sips'))) return answer(416);
    const forUs = target !== null && (this.local.isUs(target, true) || this.local.isDomain(target.host));
    if (target && method === 'REGISTER' && (forUs || target.user === null)) return { kind: 'register' };
    if (target && forUs && target.user === null) {
      // Requests to the proxy itself: an OPTIONS is answered (a keep-alive: no user is reached), nothing else is served.
      return method === 'OPTIONS' ? answer(200, undefined, [['Allow', ALLOW], ['Accept', 'application/sdp']]) : answer(404);
    }
    if (policy && !inDialog) {
      // Every out-of-dialog request is authenticated (§22.3), whatever its method.
      const a = policy.auth.check(p, src, 'proxy');
      if (!a.ok) {
        if (a.status !== 407 || a.failure) policy.refused(`refused ${method} from ${from}: ${a.status}${a.reason ? ` ${a.reason}` : ''} (${p.callId})`);
        return answer(a.status, a.reason, a.headers);
      }
      const fromUri = p.from?.uri ?? null;
      const fromUser = fromUri?.user ?? null;
      if (fromUser !== a.user || !fromUri || !this.local.isOurHost(fromUri.host)) {
        policy.refused(`refused ${method} from ${from}: From ${fromUser ?? '?'}@${fromUri?.host ?? '?'} is not the authenticated ${a.user} (403) (${p.callId})`);
        return answer(403, `Forbidden - From ${fromUser ?? '?'} is not ${a.user}`);
      }
      // Credentials are for this hop only (§22.3).
      const auth = policy.auth.digest;
      m.headers = m.headers.filter((h) => h.name !== 'Proxy-Authorization' || !auth.isOwnCredential(h.value));
      if (!forUs && !policy.allowRelay) {
        const where = routes.length ? `Route ${routes[0]}` : ruri;
        policy.refused(`refused ${method} from ${from} (${a.user}) to ${where}: not a domain of this proxy, relaying is off (403) (${p.callId})`);
        return answer(403, 'Forbidden - relaying to other domains is not allowed');
      }
    }
    if (routes.length) {
      // Loose routing: the next hop is the top Route; the R-URI stays.
      const u = uriOf(routes[0]!);
      if (!u) return answer(400, 'Bad Request - bad Route');
      return this.forward([{ uri: ruri, dest: await this.resolve(u) }], mf, hash);
    }
    if (!forUs || !target) return this.forward([{ uri: ruri, dest: await this.resolve(target!) }], mf, hash);
    const user = target.user!;
    const bindings = this.location.lookup(user);
    if (bindings.length === 0) {
      const known = this.location.isKnown(user) || this.hasUser(user);
      return answer(known ? 480 : 404);
    }
    const targets: Target[] = [];
    for (const b of bindings) targets.push({ uri: b.contact, dest: await this.bindingDest(b) });
    return this.forward(targets, mf, hash);
  }

  /**
   * The next hop of a request forwarded without a transaction (the ACK of a
   * 2xx, §16.11 stateless rules): the top Route after ours, else the first
   * binding of a user of ours (the R-URI becomes its contact), else the
   * R-URI's host. Null when there is none.
   */
  async statelessNextHop(m: SipMsg): Promise<Addr | null> {
    if (this.policy && !this.followsOurRoute(m)) return null;
    const routes = m.all('Route');
    this.dropOwnRoutes(m, routes);
    if (routes.length) {
      const u = uriOf(routes[0]!);
      return u ? this.resolve(u) : null;
    }
    const target = parseUri(m.uri);
    if (!target) return null;
    if (this.local.isUs(target, true) && target.user) {
      const b = this.location.lookup(target.user)[0];
      if (!b) return null;
      m.uri = b.contact;
      return this.bindingDest(b);
    }
    return this.resolve(target);
  }

  private forward(targets: Target[], maxForwards: number, loopHash: string): Routing {
    return { kind: 'forward', targets, maxForwards, loopHash };
  }

  /** Remove the Route entries that name this proxy from the top of `routes` and write the rest back into `m`. */
  private dropOwnRoutes(m: SipMsg, routes: string[]): void {
    while (routes.length && this.local.isUs(uriOf(routes[0]!), false)) routes.shift();
    if (routes.length) m.setList('Route', routes); else m.remove('Route');
  }

  /** Where a binding is reached: the REGISTER's source when it came through a NAT, else the contact's address. */
  private async bindingDest(b: Binding): Promise<Addr> {
    if (b.received) {
      // Written by the registrar with endpoint(): always "ip:port".
      const { host, port } = parseEndpoint(b.received);
      return { ip: host, port: port ?? 5060 };
    }
    const u = parseUri(b.contact);
    if (!u) throw new Error(`unusable contact ${b.contact}`);
    return this.resolve(u);
  }

  /** A URI's address: maddr, else the host (A/AAAA lookup of a name, no SRV), port default 5060. */
  private async resolve(u: SipUri): Promise<Addr> {
    const maddr = u.params['maddr'];
    const host = unbracketed(maddr ?? u.host);
    const port = u.port ?? 5060;
    if (isIP(host)) return { ip: host, port };
    try {
      const r = await lookup(host, { family: this.local.host.includes(':') ? 6 : 4 });
      return { ip: r.address, port };
    } catch (e) {
      throw unresolvable(host, e as NodeJS.ErrnoException);
    }
  }
}
