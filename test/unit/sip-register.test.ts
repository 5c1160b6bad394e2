/** The REGISTER expiry rule (src/sip/register.ts, RFC 3261 §10.2.1, §10.3). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSipParseError, parseSip, type ParsedSip } from '../../src/sip/parser.js';
import { grantedExpiry, longestExpiry, registerExpiry } from '../../src/sip/register.js';

function parse(headers: string, first = 'REGISTER sip:lab SIP/2.0'): ParsedSip {
  const p = parseSip(Buffer.from(`${first}\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nFrom: <sip:a@lab>;tag=1\r\nTo: <sip:a@lab>\r\nCall-ID: r\r\nCSeq: 1 REGISTER\r\n${headers}Content-Length: 0\r\n\r\n`));
  assert.ok(!isSipParseError(p));
  return p;
}

const expiries = (h: string) => registerExpiry(parse(h)).contacts.map((c) => c.expires);

test('each contact: its expires parameter, else the Expires header, else null', () => {
  assert.deepEqual(expiries('Contact: <sip:a@1.2.3.4>;expires=60, <sip:a@1.2.3.5>\r\nExpires: 120\r\n'), [60, 120]);
  assert.deepEqual(expiries('Contact: <sip:a@1.2.3.4>\r\n'), [null]);
  assert.deepEqual(expiries('Contact: <sip:a@1.2.3.4>;expires=0\r\nExpires: 3600\r\n'), [0]);
  // Parameter names are case-insensitive; compact form m: is Contact.
  assert.deepEqual(expiries('m: <sip:a@1.2.3.4>;EXPIRES=30\r\n'), [30]);
});

test('a malformed number counts as absent', () => {
  assert.deepEqual(expiries('Contact: <sip:a@1.2.3.4>;expires=soon\r\nExpires: 90\r\n'), [90]);
  assert.deepEqual(expiries('Contact: <sip:a@1.2.3.4>\r\nExpires: -5\r\n'), [null]);
  assert.equal(registerExpiry(parse('Expires: 1.5\r\n')).expiresHeader, null);
});

test('contacts keep their text and parse; an unreadable one has a null URI', () => {
  const r = registerExpiry(parse('Contact: "Bob" <sip:bob@1.2.3.4:5062;transport=udp>;q=0.7;expires=60\r\nContact: garbage\r\n'));
  assert.equal(r.wildcard, false);
  assert.equal(r.contacts.length, 2);
  assert.equal(r.contacts[0]!.nameAddr.uriText, 'sip:bob@1.2.3.4:5062;transport=udp');
  assert.equal(r.contacts[0]!.nameAddr.params['q'], '0.7');
  assert.equal(r.contacts[0]!.value, '"Bob" <sip:bob@1.2.3.4:5062;transport=udp>;q=0.7;expires=60');
  assert.equal(r.contacts[1]!.nameAddr.uri, null);
});

test('Contact: * is the wildcard form; "*" among other contacts is not', () => {
  const w = registerExpiry(parse('Contact: *\r\nExpires: 0\r\n'));
  assert.deepEqual({ wildcard: w.wildcard, expiresHeader: w.expiresHeader, contacts: w.contacts }, { wildcard: true, expiresHeader: 0, contacts: [] });
  assert.equal(registerExpiry(parse('Contact: *\r\n')).expiresHeader, null);
  const mixed = registerExpiry(parse('Contact: <sip:a@1.2.3.4>, *\r\nExpires: 0\r\n'));
  assert.equal(mixed.wildcard, false);
  assert.deepEqual(mixed.contacts.map((c) => c.nameAddr.uri === null), [false, true]);
});

test('no Contact at all (a query, or a 2xx with no binding left)', () => {
  const r = registerExpiry(parse('Expires: 0\r\n'));
  assert.deepEqual(r.contacts, []);
  assert.equal(longestExpiry(r), 0);
  assert.equal(longestExpiry(registerExpiry(parse(''))), null);
});

test('a 2xx response: the lifetimes granted, and the longest of them', () => {
  const ok = parse('Contact: <sip:a@1.2.3.4>;expires=1800, <sip:a@1.2.3.5>;expires=300\r\nDate: Thu, 01 Jan 2026 00:00:00 GMT\r\n', 'SIP/2.0 200 OK');
  const r = registerExpiry(ok);
  assert.deepEqual(r.contacts.map((c) => c.expires), [1800, 300]);
  assert.equal(longestExpiry(r), 1800);
  // A contact without its own lifetime takes the header's, which may be the longest.
  assert.equal(longestExpiry(registerExpiry(parse('Contact: <sip:a@1.2.3.4>;expires=60, <sip:a@1.2.3.5>\r\nExpires: 120\r\n', 'SIP/2.0 200 OK'))), 120);
  assert.equal(longestExpiry(registerExpiry(parse('Contact: <sip:a@1.2.3.4>\r\n', 'SIP/2.0 200 OK'))), null);
  // grantedExpiry is the two in one, for the analyzer.
  assert.equal(grantedExpiry(ok), 1800);
  assert.equal(grantedExpiry(parse('Expires: 0\r\n', 'SIP/2.0 200 OK')), 0);
});

test('works on any message with parser-shaped headers (the analyzer\'s SipMessage too)', () => {
  const r = registerExpiry({ headers: [{ name: 'Contact', value: '<sip:a@x>;expires=42' }] });
  assert.deepEqual(r.contacts.map((c) => c.expires), [42]);
});
