/**
 * Where a request goes (RFC 3261 §16.3-16.5): Max-Forwards and loop checks,
 * route pre-processing (our own Route entries removed, a strict-routing
 * previous hop undone), then the next hop: the top Route (loose routing),
 * the contacts registered for a user of ours (the location service), or the
 * Request-URI's host. Requests for the proxy itself and REGISTERs are
 * answered here or handed to the registrar; calls that start here are
 * challenged (§22.3). The request is edited on the way (R-URI, Route set,
 * our Proxy-Authorization removed); forwarding is the proxy core's.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { SipUri } from '../model.js';
import { parseEndpoint, unbracketed } from '../net/addr.js';
import type { ParsedSip } from '../sip/parser.js';
import { parseNameAddr, parseUri, parseVia } from '../sip/uri.js';
import { md5, type DigestAuth } from './digest.js';
import type { LocalAddress } from './local-address.js';
import type { Binding, LocationService } from './location.js';
import type { SipMsg } from './message.js';
import type { HeaderList } from './responses.js';
import type { Addr } from './transport.js';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, REFER, NOTIFY, SUBSCRIBE, INFO, UPDATE, PRACK, MESSAGE';

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

export class Router {
  constructor(
    private readonly local: LocalAddress,
    private readonly location: LocationService,
    private readonly auth: DigestAuth | null,
  ) {}

  /** §16.6 step 8: a hash of what identifies the request's routing, written into our branch to spot loops (§16.3 step 4). */
  loopHash(p: ParsedSip): string {
    return md5(`${p.requestUri}|${p.fromTag}|${p.toTag}|${p.callId}|${p.cseqNum}|${p.headersNamed('Route').join(',')}|${p.header('Proxy-Require') ?? ''}`).slice(0, 8);
  }

  /** Decide what to do with a request that opened a server transaction; `m` is edited for forwarding. */
  async route(p: ParsedSip, m: SipMsg): Promise<Routing> {
    const method = p.method!;
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
    // Pre-processing of routes (§16.4): strict-routing previous hop, then our own Route entries.
    let ruri = m.uri;
    const ruriParsed = parseUri(ruri);
    const routes = m.all('Route');
    if (ruriParsed && this.local.isUs(ruriParsed, false) && ruriParsed.params['lr'] !== undefined && routes.length) {
      ruri = parseNameAddr(routes.pop()!).uriText;
    }
    m.uri = ruri;
    this.dropOwnRoutes(m, routes);

    if (routes.length) {
      // Loose routing: the next hop is the top Route; the R-URI stays.
      const u = uriOf(routes[0]!);
      if (!u) return answer(400, 'Bad Request - bad Route');
      return this.forward([{ uri: ruri, dest: await this.resolve(u) }], mf, hash);
    }
    const target = parseUri(ruri);
    if (!target || (target.scheme !== 'sip' && target.scheme !== 'sips')) return answer(416);

    const forUs = this.local.isUs(target, true) || this.local.isDomain(target.host);
    if (method === 'REGISTER' && (forUs || target.user === null)) return { kind: 'register' };
    if (forUs && target.user === null) {
      // Requests to the proxy itself.
      return method === 'OPTIONS' ? answer(200, undefined, [['Allow', ALLOW], ['Accept', 'application/sdp']]) : answer(404);
    }
    // Digest authentication for calls that start here (in-dialog requests are not challenged).
    if (this.auth && method === 'INVITE' && p.toTag === null) {
      const r = this.auth.verify(method, p.headersNamed('Proxy-Authorization'));
      if (!r.ok) return answer(407, undefined, [['Proxy-Authenticate', this.auth.challenge(r.stale)]]);
      const fromUser = p.from?.uri?.user ?? null;
      if (fromUser !== r.user) return answer(403, `Forbidden - From ${fromUser ?? '?'} is not ${r.user}`);
      // Credentials are for this hop only (§22.3).
      const auth = this.auth;
      m.headers = m.headers.filter((h) => h.name !== 'Proxy-Authorization' || !auth.isOwnCredential(h.value));
    }
    if (!forUs) return this.forward([{ uri: ruri, dest: await this.resolve(target) }], mf, hash);
    const user = target.user!;
    const bindings = this.location.lookup(user);
    if (bindings.length === 0) {
      const known = this.location.isKnown(user) || (this.auth?.hasUser(user) ?? false);
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
    const r = await lookup(host, { family: this.local.host.includes(':') ? 6 : 4 });
    return { ip: r.address, port };
  }
}
