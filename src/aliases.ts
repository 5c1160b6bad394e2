/**
 * User names for addresses (`--alias`), one rule for every command that
 * takes them (ladder, report, snapshot):
 *
 *   192.0.2.1=pbx          names every port of the host;
 *   192.0.2.1:5060=pbx     names one endpoint;
 *   [2001:db8::1]=pbx      IPv6 host, with or without the brackets;
 *   [2001:db8::1]:5060=pbx IPv6 endpoint (RFC 3986 brackets);
 *
 * an endpoint alias wins over its host's alias. Items are repeatable or
 * comma-separated; blank items are ignored.
 *
 * Two forms stay accepted because a command accepted them before the
 * commands shared this rule: an IPv6 endpoint without brackets
 * ("2001:db8::1:5060=pbx", ambiguous with the host 2001:db8::1:5060, which
 * it names too) and, for snapshot, an empty address before "=" (names
 * nothing).
 */
import { hostOf, unbracketed } from './net/addr.js';

/** Address ("ip", "ip:port" or "[v6]:port") -> name. */
export type Aliases = Record<string, string>;

export interface AliasParseOptions {
  /**
   * Names must be one word without ':' and not "*": the names of an expected
   * flow, where "caller -> pbx: INVITE" separates names by spaces and ':'
   * and "*" is the wildcard.
   */
  flowNames?: boolean;
}

/** Parse `--alias` values. Throws Error, with the item, on a bad one. */
export function parseAliases(items: string[] | undefined, opts: AliasParseOptions = {}): Aliases {
  const out: Aliases = {};
  for (const item of (items ?? []).flatMap((s) => s.split(','))) {
    if (!item.trim()) continue;
    const eq = item.lastIndexOf('=');
    const name = item.slice(eq + 1).trim();
    if (eq <= 0 || !name || (opts.flowNames && (/[\s:]/.test(name) || name === '*'))) {
      const what = opts.flowNames ? 'ADDRESS=NAME with a one-word name' : 'ADDRESS=NAME';
      throw new Error(`--alias expects ${what} (e.g. 192.168.1.14=proxy), got "${item}"`);
    }
    out[unbracketed(item.slice(0, eq).trim())] = name;
  }
  return out;
}

/** The name of an endpoint ("ip:port") or of a host ("ip"), or null. */
export function aliasOf(aliases: Aliases, address: string): string | null {
  return aliases[address] ?? aliases[address.replace(/^\[(.*)\](:\d+)$/, '$1$2')] ?? aliases[hostOf(address)] ?? null;
}
