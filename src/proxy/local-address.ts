/**
 * Who "this proxy" is in SIP addresses: whether a host, a Route or a
 * Request-URI names it (RFC 3261 §16.4: our own Route entries are removed,
 * §16.5: a Request-URI for our domain is looked up in the location service),
 * and the URIs it writes about itself (Via sent-by, Record-Route).
 */
import type { SipUri } from '../model.js';
import { bracketed, unbracketed } from '../net/addr.js';

export class LocalAddress {
  /**
   * `where` is read at each call: the bound port and the advertised address
   * are only known once the socket is bound.
   */
  constructor(
    private readonly where: { readonly host: string; readonly port: number; readonly advertise: string },
    readonly domain: string | null,
  ) {}

  get host(): string { return this.where.host; }
  get port(): number { return this.where.port; }
  get advertise(): string { return this.where.advertise; }

  /** The served SIP domain, by a URI's host. */
  isDomain(host: string): boolean {
    return this.domain !== null && unbracketed(host).toLowerCase() === this.domain.toLowerCase();
  }

  /** One of our addresses or the domain (a wildcard listener answers to loopback names too). */
  isOurHost(host: string): boolean {
    const h = unbracketed(host).toLowerCase();
    return h === this.advertise.toLowerCase() || h === this.host.toLowerCase() || this.isDomain(h)
      || ((this.host === '0.0.0.0' || this.host === '::') && (h === '127.0.0.1' || h === '::1' || h === 'localhost'));
  }

  /** A Route / R-URI that names this proxy (host ours, port ours or absent when we are on 5060). */
  isUs(u: SipUri | null, portOptional: boolean): boolean {
    if (!u || !this.isOurHost(u.host)) return false;
    if (u.port === null) return portOptional || this.port === 5060 || this.isDomain(u.host);
    return u.port === this.port;
  }

  /** A Via sent-by that is this proxy: the top Via of a response meant for us. */
  isOurSentBy(host: string, port: number | null): boolean {
    return this.isOurHost(host) && (port ?? 5060) === this.port;
  }

  /** Our SIP URI, as written in Record-Route. */
  uri(): string { return `sip:${bracketed(this.advertise)}:${this.port}`; }

  /** The Via this proxy adds to what it forwards (rport asked for, RFC 3581). */
  via(branch: string): string { return `SIP/2.0/UDP ${bracketed(this.advertise)}:${this.port};branch=${branch};rport`; }
}
