/**
 * The REGISTER expiry rule (RFC 3261 §10.2.1, §10.3 steps 6-7, §10.2.4), one
 * for the registrar and the analyzer: each Contact's lifetime is its
 * `expires` parameter, else the request's Expires header, else unknown (the
 * registrar's default applies). The same reading serves a REGISTER and its
 * 2xx response, whose Contacts carry the lifetimes granted.
 *
 * Pure: message headers in (the shape src/sip/parser.ts produces), numbers out.
 */
import type { NameAddr, SipHeader } from '../model.js';
import { header, headerValues } from './parser.js';
import { parseNameAddr } from './uri.js';

/** One Contact of a REGISTER or of its 2xx response. */
export interface ContactExpiry {
  /** The Contact element as written (one item of a comma-separated list). */
  value: string;
  /** The element parsed; `uri` is null when it cannot be read (a registrar answers 400). */
  nameAddr: NameAddr;
  /** Seconds: the `expires` parameter, else the Expires header, else null (no lifetime given). */
  expires: number | null;
}

/** What a REGISTER (or its 2xx) says about its bindings' lifetimes. */
export interface RegisterExpiry {
  /**
   * The Contact is exactly "*" (§10.2.2: remove every binding; valid only with
   * Expires: 0). A "*" among other contacts is not this form: it is listed in
   * `contacts` with a null URI, which §10.3 step 6 makes a 400.
   */
  wildcard: boolean;
  /** The Expires header as delta-seconds, null when absent or not a number. */
  expiresHeader: number | null;
  /** Every Contact element in order (empty for the wildcard form). */
  contacts: ContactExpiry[];
}

/** delta-seconds (RFC 3261 §25.1: 1*DIGIT); anything else counts as absent. */
function deltaSeconds(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const t = text.trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

/** Read the Contacts and their lifetimes from a REGISTER request or its 2xx response. */
export function registerExpiry(m: { headers: readonly SipHeader[] }): RegisterExpiry {
  const expiresHeader = deltaSeconds(header(m, 'Expires'));
  const values = headerValues(m, 'Contact');
  if (values.length === 1 && values[0]!.trim() === '*') return { wildcard: true, expiresHeader, contacts: [] };
  const contacts = values.map((value) => {
    const nameAddr = parseNameAddr(value);
    return { value, nameAddr, expires: deltaSeconds(nameAddr.params['expires']) ?? expiresHeader };
  });
  return { wildcard: false, expiresHeader, contacts };
}

/**
 * How long a registration lasts by what a message says: the longest lifetime
 * of its Contacts, or the Expires header when it lists none (a 2xx with no
 * binding left, the wildcard form); null when nothing says. 0 means
 * unregistered.
 */
export function longestExpiry(r: RegisterExpiry): number | null {
  let best: number | null = null;
  for (const c of r.contacts) if (c.expires !== null && (best === null || c.expires > best)) best = c.expires;
  // A Contact without its own lifetime already took the header's, so the header only speaks when none did.
  return best ?? r.expiresHeader;
}

/** The lifetime a REGISTER's 2xx granted: the longest of its Contacts' (RFC 3261 10.3), null when it says none. */
export function grantedExpiry(m: { headers: readonly SipHeader[] }): number | null {
  return longestExpiry(registerExpiry(m));
}
