/** URIs, name-addr / addr-spec, Via, parameters, quoting and list splitting (src/sip/uri.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  firstListItem, hostPort, nameAddrParamFast, parseNameAddr, parseParams, parseUri, parseVia, parseViaList, viaParses, quote,
  readQuoted, splitHeaderList, unquote, uriHeaders, viaBranchFast,
} from '../../src/sip/uri.js';

/** Own enumerable properties as a plain object (params are plain objects; this keeps comparisons obvious). */
const plainObj = (o: object) => ({ ...o });

test('parseUri: sip URI with user, host, port and params', () => {
  const u = parseUri('sip:alice@atlanta.example.com:5070;transport=tcp;lr')!;
  assert.equal(u.scheme, 'sip');
  assert.equal(u.user, 'alice');
  assert.equal(u.host, 'atlanta.example.com');
  assert.equal(u.port, 5070);
  assert.equal(u.plain, 'sip:alice@atlanta.example.com:5070');
  assert.deepEqual(plainObj(u.params), { transport: 'tcp', lr: null });
});

test('parseUri: plain keeps the port only when present; no user', () => {
  assert.equal(parseUri('sip:biloxi.example.com')!.plain, 'sip:biloxi.example.com');
  const u = parseUri('sip:biloxi.example.com;maddr=239.255.255.1;ttl=15')!;
  assert.equal(u.user, null);
  assert.equal(u.port, null);
  assert.equal(u.plain, 'sip:biloxi.example.com');
  assert.equal(u.params['maddr'], '239.255.255.1');
  assert.equal(u.params['ttl'], '15');
});

test('parseUri: sips, upper-case scheme, password dropped from plain', () => {
  const s = parseUri('sips:bob@secure.example.com')!;
  assert.equal(s.scheme, 'sips');
  assert.equal(s.plain, 'sips:bob@secure.example.com');
  const up = parseUri('SIP:Bob@Example.COM:05060')!;
  assert.equal(up.scheme, 'sip');
  assert.equal(up.user, 'Bob');
  assert.equal(up.host, 'Example.COM');
  assert.equal(up.port, 5060);
  assert.equal(up.plain, 'sip:Bob@Example.COM:5060');
  const pw = parseUri('sip:alice:secret@example.com:5060;transport=udp')!;
  assert.equal(pw.user, 'alice');
  assert.equal(pw.plain, 'sip:alice@example.com:5060');
});

test('parseUri: IPv6 hosts keep their brackets', () => {
  const u = parseUri('sip:alice@[2001:db8::1]:5070;transport=tcp')!;
  assert.equal(u.host, '[2001:db8::1]');
  assert.equal(u.port, 5070);
  assert.equal(u.plain, 'sip:alice@[2001:db8::1]:5070');
  const v = parseUri('sip:[2001:db8::10]')!;
  assert.equal(v.host, '[2001:db8::10]');
  assert.equal(v.port, null);
  assert.equal(v.plain, 'sip:[2001:db8::10]');
  assert.equal(parseUri('sip:[2001:db8::10'), null, 'unclosed bracket');
});

test('parseUri: tel and other schemes', () => {
  const t = parseUri('tel:+1-201-555-0123;phone-context=example.com')!;
  assert.equal(t.scheme, 'tel');
  assert.equal(t.user, '+1-201-555-0123');
  assert.equal(t.host, '');
  assert.equal(t.plain, 'tel:+1-201-555-0123');
  assert.equal(t.params['phone-context'], 'example.com');
  const urn = parseUri('urn:service:sos')!;
  assert.equal(urn.scheme, 'urn');
  assert.equal(urn.host, 'service:sos');
  assert.equal(urn.plain, 'urn:service:sos');
});

test('parseUri: RFC 4475 unusual characters in user and password; escaped user params', () => {
  // 3.1.1.2 (intmeth): the user part holds ?, ;, / and the password holds = and ,
  const u = parseUri("sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com")!;
  assert.equal(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
  assert.equal(u.host, 'example.com');
  assert.equal(u.plain, "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*@example.com");
  // 3.1.1.9 (semiuri): ';' in the user part
  const s = parseUri('sip:user;par=u%40example.net@example.com')!;
  assert.equal(s.user, 'user;par=u%40example.net');
  assert.equal(s.host, 'example.com');
  // escaped characters are kept as written
  assert.equal(parseUri('sip:sips%3Auser%40example.com@example.net')!.user, 'sips%3Auser%40example.com');
});

test('parseUri: headers part is ignored but retrievable; invalid URIs give null', () => {
  const text = 'sip:bob@example.com;transport=tcp?Replaces=abc%40host%3Bto-tag%3D1&Subject=x';
  const u = parseUri(text)!;
  assert.equal(u.plain, 'sip:bob@example.com');
  assert.deepEqual(plainObj(u.params), { transport: 'tcp' });
  assert.equal(uriHeaders(text), 'Replaces=abc%40host%3Bto-tag%3D1&Subject=x');
  assert.equal(uriHeaders('<sip:a@b?X=1>;tag=2'), 'X=1');
  assert.equal(uriHeaders('sip:a@b'), null);
  assert.equal(parseUri('no-scheme-here'), null);
  assert.equal(parseUri(''), null);
  assert.equal(parseUri('sip:'), null);
  assert.equal(parseUri('sip:user@'), null);
  assert.equal(parseUri('1sip:x'), null);
  assert.equal(parseUri('sip:host:99999')!.port, null, 'port out of range');
});

test('parseNameAddr: quoted display with escaped quotes, IPv6, header params', () => {
  const na = parseNameAddr('"Alice \\"A\\"" <sip:alice@[2001:db8::1]:5070;transport=tcp>;tag=abc');
  assert.equal(na.display, 'Alice "A"');
  assert.equal(na.uriText, 'sip:alice@[2001:db8::1]:5070;transport=tcp');
  assert.equal(na.uri!.host, '[2001:db8::1]');
  assert.equal(na.uri!.port, 5070);
  assert.deepEqual(plainObj(na.uri!.params), { transport: 'tcp' });
  assert.deepEqual(plainObj(na.params), { tag: 'abc' });
});

test('parseNameAddr: addr-spec params belong to the header, not the URI', () => {
  const na = parseNameAddr('sip:bob@host;tag=x;foo');
  assert.equal(na.display, null);
  assert.equal(na.uriText, 'sip:bob@host');
  assert.equal(na.uri!.plain, 'sip:bob@host');
  assert.deepEqual(plainObj(na.uri!.params), {});
  assert.deepEqual(plainObj(na.params), { tag: 'x', foo: null });
  // RFC 4475 cparam01: Contact addr-spec with a header param
  const c = parseNameAddr('sip:+19725552222@gw1.example.net;unknownparam');
  assert.equal(c.uri!.user, '+19725552222');
  assert.deepEqual(plainObj(c.params), { unknownparam: null });
});

test('parseNameAddr: token display names, tel in brackets, no space before <', () => {
  const a = parseNameAddr('Alice Smith <sip:alice@example.com>');
  assert.equal(a.display, 'Alice Smith');
  const t = parseNameAddr('<tel:+123>');
  assert.equal(t.display, null);
  assert.equal(t.uri!.scheme, 'tel');
  assert.equal(t.uri!.plain, 'tel:+123');
  const c = parseNameAddr('caller<sip:caller@example.com>;tag=323');
  assert.equal(c.display, 'caller');
  assert.equal(c.uri!.plain, 'sip:caller@example.com');
  assert.equal(c.params['tag'], '323');
  const q = parseNameAddr('"" <sip:x@y>');
  assert.equal(q.display, '');
  const sp = parseNameAddr('  "Bob"   <  sip:bob@biloxi.com  >  ;  tag = 99 ');
  assert.equal(sp.display, 'Bob');
  assert.equal(sp.uriText, 'sip:bob@biloxi.com');
  assert.equal(sp.params['tag'], '99');
});

test('parseNameAddr: quoted params holding < in an addr-spec, star contact, broken values', () => {
  const i = parseNameAddr('sip:alice@192.0.2.1;+sip.instance="<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>";expires=60');
  assert.equal(i.uri!.plain, 'sip:alice@192.0.2.1');
  assert.equal(i.params['+sip.instance'], '<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>');
  assert.equal(i.params['expires'], '60');
  const star = parseNameAddr('*');
  assert.equal(star.uri, null);
  assert.equal(star.uriText, '*');
  const open = parseNameAddr('"Bob" <sip:bob@example.com');
  assert.equal(open.uri!.plain, 'sip:bob@example.com');
  assert.equal(parseNameAddr('').uri, null);
  const bad = parseNameAddr('<not a uri>');
  assert.equal(bad.uri, null);
  assert.equal(bad.uriText, 'not a uri');
});

test('parseParams: flags, quoted values, whitespace, case, first occurrence wins', () => {
  assert.deepEqual(plainObj(parseParams(';lr;transport=UDP')), { lr: null, transport: 'UDP' });
  assert.deepEqual(plainObj(parseParams('; Q = 0.7 ; Expires=3600')), { q: '0.7', expires: '3600' });
  assert.deepEqual(plainObj(parseParams(';reason="a;b \\"c\\"";x=1')), { reason: 'a;b "c"', x: '1' });
  assert.deepEqual(plainObj(parseParams(';tag=1;TAG=2')), { tag: '1' });
  assert.deepEqual(plainObj(parseParams('')), {});
  assert.deepEqual(plainObj(parseParams(';;;')), {});
});

test('parseParams: hostile names stay plain own properties', () => {
  const p = parseParams(';__proto__=x;constructor;toString=z');
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(p, '__proto__')!.value, 'x');
  assert.equal(p['constructor'], null);
  assert.ok(Object.hasOwn(p, 'constructor'));
  assert.equal(p['tostring'], 'z', 'names are lower-cased');
  assert.equal(({} as Record<string, unknown>)['x'], undefined, 'Object.prototype untouched');
});

test('quoted strings: read, unquote, quote', () => {
  assert.deepEqual(readQuoted('"abc" rest', 0), ['abc', 5]);
  assert.deepEqual(readQuoted('"a\\"b\\\\c"', 0), ['a"b\\c', 9]);
  assert.deepEqual(readQuoted('"unterminated', 0), ['unterminated', 13]);
  assert.equal(unquote('  "x \\" y"  '), 'x " y');
  assert.equal(unquote(' token '), 'token');
  assert.equal(quote('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  assert.equal(unquote(quote('round "trip" \\')), 'round "trip" \\');
});

test('splitHeaderList respects quotes, escapes and <>', () => {
  assert.deepEqual(splitHeaderList('SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b;branch=2'),
    ['SIP/2.0/UDP a;branch=1', 'SIP/2.0/TCP b;branch=2']);
  assert.deepEqual(splitHeaderList('"Smith, John" <sip:j@x>, <sip:a@b;x=1,2>, sip:c@d'),
    ['"Smith, John" <sip:j@x>', '<sip:a@b;x=1,2>', 'sip:c@d']);
  assert.deepEqual(splitHeaderList('"a \\", b" <sip:a@b>, c'), ['"a \\", b" <sip:a@b>', 'c']);
  assert.deepEqual(splitHeaderList(' INVITE ,ACK,, BYE '), ['INVITE', 'ACK', 'BYE']);
  assert.deepEqual(splitHeaderList(''), []);
  assert.equal(firstListItem(' SIP/2.0/UDP a;branch=1 , SIP/2.0/UDP b'), 'SIP/2.0/UDP a;branch=1');
  assert.equal(firstListItem('only'), 'only');
});

test('parseVia: protocol, sent-by, branch, received, rport', () => {
  const v = parseVia('SIP/2.0/UDP pc33.atlanta.com:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5066')!;
  assert.equal(v.protocol, 'SIP/2.0');
  assert.equal(v.transport, 'UDP');
  assert.equal(v.host, 'pc33.atlanta.com');
  assert.equal(v.port, 5066);
  assert.equal(v.branch, 'z9hG4bK776asdhds');
  assert.equal(v.received, '192.0.2.1');
  assert.equal(v.rport, 5066);
  assert.equal(v.hasRport, true);
  const flag = parseVia('SIP/2.0/TCP client.example.com;rport;branch=z9hG4bKx')!;
  assert.equal(flag.rport, null);
  assert.equal(flag.hasRport, true);
  assert.equal(flag.port, null);
  const none = parseVia('SIP/2.0/TLS h:5061;branch=b')!;
  assert.equal(none.hasRport, false);
  assert.equal(none.received, null);
  assert.equal(none.transport, 'TLS');
});

test('parseVia: IPv6 sent-by, odd whitespace (RFC 4475 wsinv), lower-case transport', () => {
  const v6 = parseVia('SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111')!;
  assert.equal(v6.host, '[2001:db8::9:1]');
  assert.equal(v6.port, 5070);
  assert.equal(hostPort(v6.host, v6.port), '[2001:db8::9:1]:5070');
  const ws = parseVia('SIP  /   2.0  / UDP 192.0.2.2;rport;branch=390skdjuw')!;
  assert.equal(ws.protocol, 'SIP/2.0');
  assert.equal(ws.transport, 'UDP');
  assert.equal(ws.host, '192.0.2.2');
  assert.equal(ws.branch, '390skdjuw');
  const sp = parseVia('SIP/2.0/UDP host.example.com : 5060 ; branch = z9hG4bK1')!;
  assert.equal(sp.port, 5060);
  assert.equal(sp.branch, 'z9hG4bK1');
  const lc = parseVia('sip/2.0/tcp h;branch=1')!;
  assert.equal(lc.protocol, 'SIP/2.0');
  assert.equal(lc.transport, 'TCP');
  const unknown = parseVia('SIP/2.0/NOT-ON-THIS-LIST 192.0.2.1;branch=x')!;
  assert.equal(unknown.transport, 'NOT-ON-THIS-LIST');
});

test('parseVia: malformed values give null; parseViaList keeps the good hops in order', () => {
  assert.equal(parseVia(''), null);
  assert.equal(parseVia('SIP/2.0/UDP'), null);
  assert.equal(parseVia('SIP/2.0 host'), null);
  assert.equal(parseVia('SIP/2.0/UDP [::1;branch=x'), null);
  const hops = parseViaList(['SIP/2.0/UDP a;branch=1, garbage, SIP/2.0/TCP b:5070;branch=2', 'SIP/2.0/UDP c;branch=3']);
  assert.deepEqual(hops.map((h) => [h.host, h.port, h.branch]), [['a', null, '1'], ['b', 5070, '2'], ['c', null, '3']]);
});

test('fast tag and branch extraction: answers in the usual forms, defers otherwise', () => {
  assert.equal(nameAddrParamFast('"Alice" <sip:alice@example.com>;tag=1928301774', 'tag'), '1928301774');
  assert.equal(nameAddrParamFast('<sip:bob@example.com>', 'tag'), null);
  assert.equal(nameAddrParamFast('sip:bob@example.com;tag=x;foo', 'tag'), 'x');
  assert.equal(nameAddrParamFast('<sip:bob@example.com;tag=uri-param>;tag=hdr', 'tag'), 'hdr');
  assert.equal(nameAddrParamFast('<sip:bob@example.com;tag=uri-param>', 'tag'), null);
  assert.equal(nameAddrParamFast('<sip:b@e>;epid=1;tag=2', 'tag'), '2');
  assert.equal(nameAddrParamFast('<sip:b@e>; tag=2', 'tag'), undefined, 'whitespace: full parse');
  assert.equal(nameAddrParamFast('<sip:b@e>;TAG=2', 'tag'), undefined);
  assert.equal(nameAddrParamFast('"A \\"q\\"" <sip:b@e>;tag=2', 'tag'), undefined, 'escapes: full parse');
  assert.equal(nameAddrParamFast('<sip:b@e>;x="a;tag=1";tag=2', 'tag'), undefined);
  assert.equal(viaBranchFast('SIP/2.0/UDP h:5060;rport;branch=z9hG4bK1'), 'z9hG4bK1');
  assert.equal(viaBranchFast('SIP/2.0/UDP h:5060'), null);
  assert.equal(viaBranchFast('SIP/2.0/UDP [::1]:5060;branch=z9hG4bK1'), undefined);
});

test('property: the fast tag/branch paths agree with the full parsers whenever they answer', () => {
  const piece = fc.constantFrom('"Al;ice"', '"A\\"B"', 'Bob', ' ', '<', '>', 'sip:a@b', 'sip:a@[::1]', ';', '=', 'tag', 'TAG',
    'branch', ';tag=', ';branch=', 'x', '"', ',', 'z9hG4bK', '1', 'SIP/2.0/UDP ', 'h:5060', ';rport', '\t');
  const value = fc.array(piece, { maxLength: 12 }).map((a) => a.join('').trim());
  fc.assert(fc.property(value, (v) => {
    const tag = nameAddrParamFast(v, 'tag');
    if (tag !== undefined) assert.equal(tag, parseNameAddr(v).params['tag'] ?? null, `tag of ${JSON.stringify(v)}`);
    const br = viaBranchFast(v);
    const via = parseVia(v);
    if (br !== undefined && via !== null) assert.equal(br, via.branch, `branch of ${JSON.stringify(v)}`);
  }), { numRuns: 20000 });
});

test('viaParses says whether parseVia gives a Via, on strings made of Via pieces', () => {
  const pieces = ['SIP/2.0/', 'SIP', '/', '2.0', 'UDP', 'TCP', ' ', '\t', '[', ']', '::1', 'h', ':', '5060', ';', 'branch=z9', ',', 'x', 'sip / 2.0 / udp '];
  fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 8 }), (ps) => {
    const s = ps.join('');
    assert.equal(viaParses(s), parseVia(s) !== null, JSON.stringify(s));
  }), { numRuns: 20000 });
});
