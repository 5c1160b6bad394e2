/**
 * SIP message parsing (src/sip/parser.ts), content detection (detect.ts) and
 * multipart bodies (multipart.ts): hand-written messages in the spirit of the
 * RFC 4475 torture tests, limits, and property tests that nothing throws.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  canonicalHeaderName, emptyListElement, header, headerValues, isSipParseError, MAX_HEADER_LINE, MAX_HEADERS, MAX_MESSAGE_SIZE,
  parseSip, toSipMessage, type ParsedSip, type SipParseError,
} from '../../src/sip/parser.js';
import { looksLikeSip, matchSipStartLine, StartLine } from '../../src/sip/detect.js';
import { findSdp, mediaTypeOf, parseContentType, splitMultipart } from '../../src/sip/multipart.js';

const enc = (s: string) => Buffer.from(s, 'utf8');
const crlf = (lines: string[]) => lines.join('\r\n');

function ok(input: string | Uint8Array, stream = false): ParsedSip {
  const r = parseSip(typeof input === 'string' ? enc(input) : input, 0, undefined, stream);
  if (isSipParseError(r)) assert.fail(`unexpected parse error: ${r.error}`);
  return r;
}

function err(input: string | Uint8Array): SipParseError {
  const r = parseSip(typeof input === 'string' ? enc(input) : input);
  assert.ok(isSipParseError(r), 'expected a SipParseError');
  return r as SipParseError;
}

const SDP = crlf(['v=0', 'o=alice 2890844526 2890844526 IN IP4 192.0.2.101', 's=-', 'c=IN IP4 192.0.2.101', 't=0 0',
  'm=audio 49172 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', '']);

const INVITE = crlf([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: application/sdp',
  `Content-Length: ${SDP.length}`,
  '',
  SDP,
]);

test('a typical INVITE: start line, key headers, body', () => {
  const p = ok(INVITE);
  assert.equal(p.isRequest, true);
  assert.equal(p.method, 'INVITE');
  assert.equal(p.requestUri, 'sip:bob@biloxi.example.com');
  assert.equal(p.status, null);
  assert.equal(p.reason, null);
  assert.equal(p.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  assert.equal(p.cseqNum, 314159);
  assert.equal(p.cseqMethod, 'INVITE');
  assert.equal(p.from!.display, 'Alice');
  assert.equal(p.from!.uri!.plain, 'sip:alice@atlanta.example.com');
  assert.equal(p.fromTag, '1928301774');
  assert.equal(p.to!.display, 'Bob');
  assert.equal(p.toTag, null);
  assert.equal(p.branch, 'z9hG4bK776asdhds');
  assert.equal(p.via!.transport, 'UDP');
  assert.equal(p.via!.hasRport, true);
  assert.equal(p.contentType, 'application/sdp');
  assert.equal(p.contentLength, SDP.length);
  assert.equal(p.body, SDP);
  assert.deepEqual([...p.bodyBytes], [...enc(SDP)]);
  assert.equal(p.raw, INVITE);
  assert.equal(p.length, INVITE.length);
  assert.equal(p.truncatedBody, false);
  assert.deepEqual(p.problems, []);
  assert.deepEqual(p.headers.map((h) => h.name), ['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Content-Type', 'Content-Length']);
});

test('responses: status, free-text reason kept verbatim (custom, UTF-8, empty)', () => {
  const base = ['Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>;tag=2', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: 0', '', ''];
  const p = ok(crlf(['SIP/2.0 200 0K - pohoda', ...base]));
  assert.equal(p.isRequest, false);
  assert.equal(p.status, 200);
  assert.equal(p.reason, '0K - pohoda');
  assert.equal(p.method, null);
  assert.equal(p.toTag, '2');
  assert.equal(ok(crlf(['SIP/2.0 486 Obsadené, skúste neskôr  ', ...base])).reason, 'Obsadené, skúste neskôr');
  assert.equal(ok(crlf(['SIP/2.0 100 ', ...base])).reason, '');
  assert.equal(ok(crlf(['SIP/2.0 180', ...base])).reason, '');
  const odd = ok(crlf(['SIP/2.0 099 Too Low', ...base]));
  assert.equal(odd.status, 99);
  assert.match(odd.problems.join(), /out of range/);
  assert.equal(ok(crlf(['SIP/7.0 200 OK', ...base])).problems.some((x) => x.includes('SIP/7.0')), true);
  assert.equal(err(crlf(['SIP/2.0 20 OK', ...base])).reason, 'bad-start-line');
  assert.equal(err(crlf(['SIP/2.0 2000 OK', ...base])).reason, 'bad-start-line');
  assert.equal(err(crlf(['SIP/2.0 OK', ...base])).reason, 'bad-start-line');
});

test('compact forms map to canonical names', () => {
  const msg = crlf([
    'MESSAGE sip:bob@example.com SIP/2.0',
    'v: SIP/2.0/TCP h;branch=z9hG4bKc',
    'i: compact-call-id',
    'f: <sip:a@example.com>;tag=f1',
    't: <sip:bob@example.com>',
    'm: <sip:a@192.0.2.1>',
    'c: text/plain',
    'e: gzip',
    's: subject',
    'k: 100rel',
    'o: presence',
    'r: <sip:c@example.com>',
    'u: dialog',
    'b: <sip:d@example.com>',
    'x: 1800',
    'y: abc',
    'a: *;audio',
    'j: *;video',
    'd: proxy',
    'L: 5',
    '',
    'hello',
  ]);
  const p = ok(msg);
  assert.deepEqual(p.headers.map((h) => h.name), [
    'Via', 'Call-ID', 'From', 'To', 'Contact', 'Content-Type', 'Content-Encoding', 'Subject', 'Supported', 'Event',
    'Refer-To', 'Allow-Events', 'Referred-By', 'Session-Expires', 'Identity', 'Accept-Contact', 'Reject-Contact',
    'Request-Disposition', 'Content-Length']);
  assert.equal(p.callId, 'compact-call-id');
  assert.equal(p.fromTag, 'f1');
  assert.equal(p.contentType, 'text/plain');
  assert.equal(p.body, 'hello');
  assert.equal(p.cseqNum, 0);
  assert.deepEqual(p.problems, ['no CSeq']);
});

test('header names are case-insensitive; canonical spellings; unknown names title-cased', () => {
  const p = ok(crlf([
    'OPTIONS sip:x@y SIP/2.0', 'VIA: SIP/2.0/UDP h;branch=z9hG4bK2', 'call-id: lower', 'CSEQ: 2 OPTIONS',
    'FROM: <sip:a@b>;tag=1', 'to: <sip:x@y>', 'www-authenticate: Digest realm="r", nonce="n"', 'x-my-HEADER: 1',
    'X-My-Header: 2', 'p-asserted-identity: <sip:pai@x>', 'Content-Length  :  0', '', '']));
  assert.deepEqual(p.headers.map((h) => h.name), ['Via', 'Call-ID', 'CSeq', 'From', 'To', 'WWW-Authenticate',
    'X-My-Header', 'X-My-Header', 'P-Asserted-Identity', 'Content-Length']);
  assert.equal(p.callId, 'lower');
  assert.equal(p.contentLength, 0);
  assert.equal(p.header('i'), 'lower');
  assert.equal(p.header('CALL-ID'), 'lower');
  assert.equal(p.header('x-my-header'), '1');
  assert.deepEqual(p.headersNamed('X-MY-HEADER'), ['1', '2']);
  assert.equal(p.header('Subject'), null);
  assert.equal(p.has('www-authenticate'), true);
  assert.equal(p.has('s'), false);
  assert.deepEqual(p.headerValues('WWW-Authenticate'), ['Digest realm="r", nonce="n"'], 'not split');
  assert.equal(canonicalHeaderName('cseq'), 'CSeq');
  assert.equal(canonicalHeaderName('rack'), 'RAck');
  assert.equal(canonicalHeaderName('SIP-ETAG'), 'SIP-ETag');
  assert.equal(canonicalHeaderName('x-custom-thing'), 'X-Custom-Thing');
  assert.equal(canonicalHeaderName('m'), 'Contact');
  assert.equal(canonicalHeaderName('M'), 'Contact');
});

test('folded continuation lines are unfolded with one space (RFC 4475 wsinv style)', () => {
  const p = ok(crlf([
    'INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0',
    'TO :',
    ' sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n',
    'from   : "J Rosenberg \\\\\\""       <sip:jdrosen@example.com>',
    '  ;',
    '  tag = 98asjd8',
    'MaX-fOrWaRdS: 0068',
    'Call-ID: wsinv.ndaksdj@192.0.2.1',
    'Content-Length   : 0',
    'cseq: 0009',
    '  INVITE',
    'Via  : SIP  /   2.0',
    ' /UDP',
    '    192.0.2.2;rport;branch=390skdjuw',
    's :',
    'NewFangledHeader:   newfangled value',
    '\tcontinued newfangled value',
    'UnknownHeaderWithUnusualValue: ;;,,;;,;',
    '',
    '',
  ]));
  assert.deepEqual(p.problems, []);
  assert.equal(p.toTag, '1918181833n');
  assert.equal(p.to!.uri!.plain, 'sip:vivekg@chair-dnrc.example.com');
  assert.equal(p.from!.display, 'J Rosenberg \\"');
  assert.equal(p.fromTag, '98asjd8');
  assert.equal(p.cseqNum, 9);
  assert.equal(p.cseqMethod, 'INVITE');
  assert.equal(p.branch, '390skdjuw');
  assert.equal(p.via!.host, '192.0.2.2');
  assert.equal(p.header('Max-Forwards'), '0068');
  assert.equal(p.header('Subject'), '');
  assert.equal(p.header('NewFangledHeader'), 'newfangled value continued newfangled value');
  assert.equal(p.header('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
  assert.equal(p.contentLength, 0);
});

test('repeated headers keep their order; list headers split respecting quotes and <>', () => {
  const p = ok(crlf([
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP first.example.com;branch=z9hG4bKa, SIP/2.0/UDP second.example.com;branch=z9hG4bKb',
    'Via: SIP/2.0/UDP third.example.com;branch=z9hG4bKc',
    'Contact: "Smith, John" <sip:john@example.com;x=1,2>;expires=60, <sip:other@example.com>',
    'Record-Route: <sip:p1.example.com;lr>', 'Record-Route: <sip:p2.example.com;lr>',
    'From: <sip:a@b>;tag=1', 'To: <sip:c@d>;tag=2', 'Call-ID: list', 'CSeq: 7 INVITE',
    'Date: Sat, 13 Nov 2010 23:29:00 GMT', 'Content-Length: 0', '', '']));
  assert.equal(p.branch, 'z9hG4bKa', 'top Via');
  assert.deepEqual(p.headersNamed('Via').length, 2);
  assert.deepEqual(p.headerValues('v').map((v) => v.split(';')[0]), [
    'SIP/2.0/UDP first.example.com', 'SIP/2.0/UDP second.example.com', 'SIP/2.0/UDP third.example.com']);
  assert.deepEqual(p.headerValues('Contact'), ['"Smith, John" <sip:john@example.com;x=1,2>;expires=60', '<sip:other@example.com>']);
  assert.deepEqual(p.headerValues('Record-Route'), ['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
  assert.deepEqual(p.headerValues('Date'), ['Sat, 13 Nov 2010 23:29:00 GMT']);
  // The free functions work on the model's SipMessage too.
  const m = toSipMessage(p, { frame: 1, time: 0, tsSec: 0, tsNsec: 0, src: 'a:1', dst: 'b:2', srcIp: 'a', dstIp: 'b', transport: 'UDP' });
  assert.equal(header(m, 'i'), 'list');
  assert.equal(headerValues(m, 'Via').length, 3);
});

test('bare LF line ends and leading CRLFs before the start line', () => {
  const lf = INVITE.replace(/\r\n/g, '\n');
  const p = ok(lf);
  assert.equal(p.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  assert.equal(p.body, SDP.replace(/\r\n/g, '\n').slice(0, SDP.length));
  const lead = ok('\r\n\r\n' + INVITE);
  assert.equal(lead.length, INVITE.length + 4);
  assert.equal(lead.raw, INVITE);
  const mixed = ok('BYE sip:x@y SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bK3\r\nCall-ID: m\nCSeq: 3 BYE\r\nFrom: <sip:a@b>;tag=1\nTo: <sip:x@y>;tag=2\r\nContent-Length: 0\n\r\n');
  assert.deepEqual(mixed.problems, []);
  assert.equal(mixed.length, mixed.raw.length);
});

test('unknown and unusual methods (RFC 4475 intmeth), escaped quotes in display names', () => {
  const method = "!interesting-Method0123456789_*+`.%indeed'~";
  const uri = "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com";
  const p = ok(crlf([
    `${method} ${uri} SIP/2.0`,
    'Via: SIP/2.0/TCP host1.example.com;branch=z9hG4bK-.!%66*_+`\'~',
    `To: "BEL:\\\x07 NUL:\\\x00 DEL:\\\x7f" <${uri}>`,
    'From: token1~` token2\'+_ token3*%!.- <sip:mundane@example.com>;fromParam\'\'~+*_!.-%="\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439";tag=_token~1\'+`*%!-.',
    'Call-ID: intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{',
    `CSeq: 139122385 ${method}`,
    'Max-Forwards: 255',
    'extensionHeader-!.%*+_`\'~:\uFEFF\u5927\u505C\u96FB',
    'Content-Length: 0',
    '', '']));
  assert.equal(p.method, method);
  assert.equal(p.requestUri, uri);
  assert.equal(p.cseqMethod, method);
  assert.deepEqual(p.problems, []);
  assert.equal(p.to!.display, 'BEL:\x07 NUL:\x00 DEL:\x7f');
  assert.equal(p.to!.uri!.host, 'example.com');
  assert.equal(p.from!.display, "token1~` token2'+_ token3*%!.-");
  assert.equal(p.fromTag, "_token~1'+`*%!-.");
  assert.equal(p.from!.params["fromparam''~+*_!.-%"], '\u0440\u0430\u0431\u043e\u0442\u0430\u044e\u0449\u0438\u0439');
  assert.equal(p.callId, 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
  assert.equal(p.header("extensionHeader-!.%*+_`'~"), '\uFEFF\u5927\u505C\u96FB');
  assert.equal(p.branch, 'z9hG4bK-.!%66*_+`\'~');
});

test('IPv6 addresses in the request URI, From, Contact and Via', () => {
  const p = ok(crlf([
    'REGISTER sip:[2001:db8::10] SIP/2.0',
    'To: sip:user@[2001:db8::10]',
    'From: sip:user@[2001:db8::10];tag=81x2',
    'Via: SIP/2.0/UDP [2001:db8::9:1]:5070;branch=z9hG4bKas3-111',
    'Call-ID: SSG9559905523997077@hlau_4100',
    'Max-Forwards: 70',
    'Contact: "Caller" <sip:caller@[2001:db8::9:1]:5070;transport=udp>',
    'CSeq: 98176 REGISTER',
    'Content-Length: 0', '', '']));
  assert.equal(p.requestUri, 'sip:[2001:db8::10]');
  assert.equal(p.to!.uri!.host, '[2001:db8::10]');
  assert.equal(p.fromTag, '81x2', 'addr-spec params belong to the header');
  assert.equal(p.via!.host, '[2001:db8::9:1]');
  assert.equal(p.via!.port, 5070);
  assert.equal(p.branch, 'z9hG4bKas3-111');
});

test('missing mandatory headers are problems, not errors', () => {
  const p = ok(crlf(['INVITE sip:bob@example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK4', 'From: <sip:a@b>;tag=1',
    'To: <sip:bob@example.com>', 'CSeq: 1 INVITE', 'Content-Length: 0', '', '']));
  assert.equal(p.callId, '');
  assert.deepEqual(p.problems, ['no Call-ID']);
  const bare = ok('OPTIONS sip:x SIP/2.0\r\n\r\n');
  assert.deepEqual(bare.problems, ['no Call-ID', 'no CSeq', 'no From', 'no To', 'no Via']);
  assert.equal(bare.headers.length, 0);
  assert.equal(bare.from, null);
  assert.equal(bare.branch, null);
  const badCseq = ok(crlf(['BYE sip:x@y SIP/2.0', 'CSeq: ACK', 'Call-ID: c', '', '']));
  assert.ok(badCseq.problems.includes('bad CSeq "ACK"'));
  const mismatch = ok(crlf(['INVITE sip:x@y SIP/2.0', 'CSeq: 1 ACK', 'Call-ID: c', 'From: <sip:a@b>', 'To: <sip:x@y>', 'Via: SIP/2.0/UDP h', 'Content-Length: 0', '', '']));
  assert.ok(mismatch.problems.some((x) => x.includes('does not match')));
  const noColon = ok(crlf(['INVITE sip:x@y SIP/2.0', 'Call-ID: c', 'this line has no colon', 'CSeq: 1 INVITE', '', '']));
  assert.ok(noColon.problems.some((x) => x.startsWith('line without a colon')));
  assert.equal(noColon.cseqNum, 1);
  const noBlank = ok('INVITE sip:x@y SIP/2.0\r\nCall-ID: c\r\n');
  assert.ok(noBlank.problems.includes('no blank line after the headers'));
});

test('From, To and Via are parsed on first use; problems about them appear when problems are read', () => {
  const p = ok(crlf(['INVITE sip:x@y SIP/2.0', 'Via: SIP/2.0/UDP host;branch=z9hG4bKlazy', 'From: "Q \\"x\\"" <sip:a@b>;tag=ft',
    'To: <not a uri>', 'Call-ID: lazy', 'CSeq: 1 INVITE', 'Content-Length: 0', '', '']));
  assert.equal(p.fromTag, 'ft', 'tags and branch are there without touching from/to/via');
  assert.equal(p.toTag, null);
  assert.equal(p.branch, 'z9hG4bKlazy');
  assert.equal(p.fromValue, '"Q \\"x\\"" <sip:a@b>;tag=ft');
  assert.equal(p.from!.display, 'Q "x"');
  assert.equal(p.from, p.from, 'parsed once, then kept');
  assert.equal(p.via!.host, 'host');
  assert.deepEqual(p.problems, ['unparsable To URI "not a uri"']);
  const badVia = ok(crlf(['OPTIONS sip:x@y SIP/2.0', 'Via: garbage', 'From: <sip:a@b>;tag=1', 'To: <sip:x@y>', 'Call-ID: v', 'CSeq: 1 OPTIONS', '', '']));
  assert.equal(badVia.branch, null);
  assert.equal(badVia.via, null);
  assert.deepEqual(badVia.problems, ['unparsable Via "garbage"']);
});

test('unparsable start lines are errors with a reason; parseSip never throws', () => {
  assert.equal(err('HTTP/1.1 200 OK\r\n\r\n').reason, 'bad-start-line');
  assert.equal(err('GET / HTTP/1.1\r\nHost: x\r\n\r\n').reason, 'bad-start-line');
  assert.equal(err('INVITE sip:x@y\r\n\r\n').reason, 'bad-start-line');
  assert.equal(err('INVITE\r\n\r\n').reason, 'bad-start-line');
  assert.equal(err('IN VITE sip:x SIP/2.0\r\n\r\n').reason, 'bad-start-line');
  assert.equal(err('INV@TE sip:x SIP/2.0\r\n\r\n').reason, 'bad-start-line');
  assert.equal(err('\x80\x00\x12\x34binary').reason, 'bad-start-line');
  assert.equal(err('').reason, 'empty');
  assert.equal(err('\r\n\r\n').reason, 'empty');
  const e = err('NOT SIP AT ALL');
  assert.match(e.error, /not a SIP start line/);
  assert.equal(typeof e.offset, 'number');
});

test('limits: header line length, header count, message size', () => {
  const head = ['INVITE sip:x@y SIP/2.0', 'Call-ID: big'];
  const huge = err(crlf([...head, 'Subject: ' + 'a'.repeat(MAX_HEADER_LINE), '', '']));
  assert.equal(huge.reason, 'line-too-long');
  const folded = err(crlf([...head, 'Subject: x', ...Array.from({ length: 20 }, () => ' ' + 'b'.repeat(MAX_HEADER_LINE / 10)), '', '']));
  assert.equal(folded.reason, 'line-too-long');
  assert.equal(err('INVITE sip:' + 'u'.repeat(MAX_HEADER_LINE) + '@y SIP/2.0\r\n\r\n').reason, 'line-too-long');
  const many = err(crlf([...head, ...Array.from({ length: MAX_HEADERS }, (_, i) => `X-H${i}: ${i}`), '', '']));
  assert.equal(many.reason, 'too-many-headers');
  const justRight = ok(crlf([head[0]!, ...Array.from({ length: MAX_HEADERS }, (_, i) => `X-H${i}: ${i}`), '', '']));
  assert.equal(justRight.headers.length, MAX_HEADERS);
  const tooBig = err(crlf([...head, 'Content-Length: 70000', '', 'x'.repeat(MAX_MESSAGE_SIZE)]));
  assert.equal(tooBig.reason, 'too-large');
});

test('Content-Length framing: exact, absent (UDP / stream), truncated, trailing bytes, invalid', () => {
  const head = (cl: string | null) => crlf(['MESSAGE sip:x@y SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK5', 'From: <sip:a@b>;tag=1',
    'To: <sip:x@y>', 'Call-ID: cl', 'CSeq: 1 MESSAGE', ...(cl === null ? [] : [`Content-Length: ${cl}`]), '', '']);
  const h5 = head('5');
  const exact = ok(h5 + 'hello');
  assert.equal(exact.body, 'hello');
  assert.equal(exact.length, h5.length + 5);
  const trailing = ok(h5 + 'hello, and more');
  assert.equal(trailing.body, 'hello');
  assert.equal(trailing.length, h5.length + 5);
  assert.equal(trailing.raw, h5 + 'hello');
  const short = ok(head('50') + 'only this');
  assert.equal(short.truncatedBody, true);
  assert.equal(short.body, 'only this');
  assert.ok(short.problems.some((x) => x.startsWith('Content-Length 50')));
  const absent = ok(head(null) + 'rest of datagram');
  assert.equal(absent.body, 'rest of datagram');
  assert.equal(absent.contentLength, null);
  const stream = ok(head(null) + 'next message', true);
  assert.equal(stream.body, '');
  assert.equal(stream.length, head(null).length);
  const bad = ok(head('-1') + 'abc');
  assert.equal(bad.contentLength, null);
  assert.ok(bad.problems.includes('bad Content-Length "-1"'));
  assert.equal(bad.body, 'abc');
  const conflicting = ok(crlf(['MESSAGE sip:x@y SIP/2.0', 'Content-Length: 3', 'l: 4', '', 'abcd']));
  assert.ok(conflicting.problems.includes('conflicting Content-Length headers'));
  assert.equal(conflicting.body, 'abc');
});

test('start/end select a range of a larger buffer', () => {
  const junk = enc('XXXX');
  const msg = enc(INVITE);
  const all = Buffer.concat([junk, msg, junk]);
  const p = parseSip(all, 4, 4 + msg.length);
  assert.ok(!isSipParseError(p));
  assert.equal((p as ParsedSip).raw, INVITE);
  assert.equal((p as ParsedSip).length, msg.length);
  // A plain Uint8Array (not a Buffer) works too, also as a view at an offset.
  const u8 = new Uint8Array(all.length + 3);
  u8.set(all, 3);
  const view = u8.subarray(3 + 4, 3 + 4 + msg.length);
  const q = parseSip(view) as ParsedSip;
  assert.equal(q.callId, 'a84b4c76e66710@pc33.atlanta.example.com');
  assert.equal(q.body, SDP);
});

test('text decoding: UTF-8 headers, invalid bytes become U+FFFD, binary bodies stay byte-exact', () => {
  const utf = ok(crlf(['MESSAGE sip:x@y SIP/2.0', 'From: "Jožko Mrkvička" <sip:jozko@example.sk>;tag=ž', 'Subject: čaj', 'Call-ID: u', 'Content-Length: 6', '', 'ťava']));
  assert.equal(utf.from!.display, 'Jožko Mrkvička');
  assert.equal(utf.fromTag, 'ž');
  assert.equal(utf.header('Subject'), 'čaj');
  assert.equal(utf.body, 'ťava');
  assert.equal(utf.bodyEncoding, 'utf8');
  assert.equal(utf.raw.endsWith('Content-Length: 6\r\n\r\nťava'), true);

  const head = enc('MESSAGE sip:x@y SIP/2.0\r\nSubject: bad \xff\xfe here\r\nCall-ID: b\r\nContent-Type: application/octet-stream\r\nContent-Length: 6\r\n\r\n'.replace(/\xff\xfe/, 'QQ'));
  const bytes = Buffer.from(head);
  const q = bytes.indexOf('QQ');
  bytes[q] = 0xff;
  bytes[q + 1] = 0xfe;
  const body = Buffer.from([0x00, 0x80, 0xff, 0x0d, 0x0a, 0xc3]);
  const p = ok(Buffer.concat([bytes, body]));
  assert.equal(p.header('Subject'), 'bad \uFFFD\uFFFD here');
  assert.equal(p.bodyEncoding, 'latin1');
  assert.deepEqual([...p.bodyBytes], [...body]);
  assert.equal(p.body.length, 6);
});

test('bodyBytes is a copy: changing the input afterwards does not change it', () => {
  const input = Buffer.from(INVITE);
  const p = ok(input);
  const before = Buffer.from(p.bodyBytes);
  input.fill(0x41);
  assert.deepEqual(Buffer.from(p.bodyBytes), before);
  assert.equal(p.body, SDP);
  assert.equal(ok(crlf(['BYE sip:x@y SIP/2.0', 'Content-Length: 0', '', ''])).bodyBytes.length, 0);
});

test('toSipMessage produces exactly the model fields', () => {
  const p = ok(INVITE);
  const meta = { frame: 7, time: 1.5, tsSec: 100, tsNsec: 5, src: '10.0.0.1:5060', dst: '10.0.0.2:5060', srcIp: '10.0.0.1', dstIp: '10.0.0.2', transport: 'UDP' as const };
  const m = toSipMessage(p, meta);
  assert.deepEqual(Object.keys(m).sort(), ['body', 'branch', 'callId', 'contentType', 'cseqMethod', 'cseqNum', 'dst', 'dstIp', 'frame',
    'from', 'fromTag', 'headers', 'isRequest', 'method', 'raw', 'reason', 'requestUri', 'src', 'srcIp', 'status', 'to', 'toTag',
    'transport', 'tsNsec', 'tsSec', 'time'].sort());
  assert.equal(m.frame, 7);
  assert.equal(m.transport, 'UDP');
  assert.equal(m.callId, p.callId);
  assert.equal(m.branch, 'z9hG4bK776asdhds');
  assert.equal(m.body, SDP);
});

// ---- detection ----

test('looksLikeSip: requests and responses by content', () => {
  assert.equal(looksLikeSip(enc(INVITE)), true);
  assert.equal(looksLikeSip(enc('SIP/2.0 200 OK\r\n\r\n')), true);
  assert.equal(looksLikeSip(enc('SIP/2.0 100 Trying\r\n')), true);
  assert.equal(looksLikeSip(enc('OPTIONS sips:x@y SIP/2.0\r\n')), true);
  assert.equal(looksLikeSip(enc('INVITE tel:+123456 SIP/2.0\r\n')), true);
  assert.equal(looksLikeSip(enc('NEWMETHOD sip:x@y SIP/2.0\n')), true);
  assert.equal(looksLikeSip(enc('\r\nREGISTER sip:x SIP/2.0\r\n')), true, 'a leading CRLF is tolerated');
  assert.equal(looksLikeSip(enc('xxINVITE sip:x SIP/2.0\r\n'), 2), true, 'start offset');
});

test('looksLikeSip: RTP, RTCP, STUN, keep-alives, HTTP and partial lines are not SIP', () => {
  const rtp = Buffer.alloc(172);
  rtp[0] = 0x80; rtp[1] = 0x08;
  assert.equal(looksLikeSip(rtp), false);
  const rtcp = Buffer.from([0x81, 0xc8, 0x00, 0x0c, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(looksLikeSip(rtcp), false);
  const stun = Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(looksLikeSip(stun), false);
  assert.equal(looksLikeSip(enc('\r\n\r\n')), false);
  assert.equal(looksLikeSip(enc('\r\n\r\n\r\n\r\n\r\n\r\n')), false);
  assert.equal(looksLikeSip(enc('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), false);
  assert.equal(looksLikeSip(enc('GET http://x/ HTTP/1.1\r\n\r\n')), false);
  assert.equal(looksLikeSip(enc('HTTP/1.1 200 OK\r\n\r\n')), false);
  assert.equal(looksLikeSip(enc('INVITE sip:x@y SIP/2.0')), false, 'line not ended');
  assert.equal(looksLikeSip(enc('INVITE sip:x@y HTTP/1.1\r\n')), false);
  assert.equal(looksLikeSip(enc('SIP/2.0 2000 OK\r\n')), false);
  assert.equal(looksLikeSip(enc('SIP/2.0')), false);
  assert.equal(looksLikeSip(new Uint8Array(0)), false);
});

test('matchSipStartLine tells "need more bytes" from "not SIP"', () => {
  const b = enc('INVITE sip:bob@example.com SIP/2.0\r\n');
  assert.equal(matchSipStartLine(b, 0, b.length), StartLine.Request);
  for (const cut of [1, 6, 7, 20, 30, 34]) assert.equal(matchSipStartLine(b, 0, cut), StartLine.NeedMore, `cut at ${cut}`);
  const r = enc('SIP/2.0 180 Ringing\r\n');
  assert.equal(matchSipStartLine(r, 0, r.length), StartLine.Response);
  assert.equal(matchSipStartLine(r, 0, 5), StartLine.NeedMore);
  assert.equal(matchSipStartLine(r, 0, 11), StartLine.NeedMore);
  assert.equal(matchSipStartLine(enc('SIX/2.0 200'), 0, 11), StartLine.No);
  assert.equal(matchSipStartLine(enc('\x16\x03\x01\x02\x00'), 0, 5), StartLine.No);
});

// ---- multipart ----

const MULTIPART_CT = 'multipart/mixed;boundary="unique-boundary-1"';
const MULTIPART_BODY = crlf([
  'This is the preamble, ignored.',
  '--unique-boundary-1',
  'Content-Type: application/sdp',
  '',
  SDP.replace(/\r\n$/, ''),
  '--unique-boundary-1',
  'Content-Type: application/isup;version=itu-t92+',
  'Content-Disposition: signal; handling=optional',
  '',
  '\x01\x00\x49\x00\x00\x03\x02\x00\x07',
  '--unique-boundary-1--',
  'epilogue, ignored',
]);

test('multipart/mixed: parts, part headers, preamble and epilogue dropped', () => {
  const parts = splitMultipart(MULTIPART_CT, MULTIPART_BODY);
  assert.equal(parts.length, 2);
  assert.equal(parts[0]!.contentType, 'application/sdp');
  assert.equal(parts[0]!.body, SDP.replace(/\r\n$/, ''));
  assert.equal(parts[1]!.contentType, 'application/isup;version=itu-t92+');
  assert.deepEqual(parts[1]!.headers.map((h) => h.name), ['Content-Type', 'Content-Disposition']);
  assert.equal(parts[1]!.body, '\x01\x00\x49\x00\x00\x03\x02\x00\x07');
  assert.equal(findSdp(MULTIPART_CT, MULTIPART_BODY), SDP.replace(/\r\n$/, ''));
});

test('multipart through the parser: a SIP INVITE with SDP and ISUP parts', () => {
  const msg = crlf(['INVITE sip:+15555551234@gw.example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK6', 'From: <sip:a@b>;tag=1',
    'To: <sip:c@d>', 'Call-ID: mp', 'CSeq: 1 INVITE', 'MIME-Version: 1.0', `Content-Type: ${MULTIPART_CT}`,
    `Content-Length: ${Buffer.byteLength(MULTIPART_BODY, 'latin1')}`, '', MULTIPART_BODY]);
  const p = ok(Buffer.from(msg, 'latin1'));
  assert.equal(p.header('MIME-Version'), '1.0');
  assert.equal(findSdp(p.contentType, p.body), SDP.replace(/\r\n$/, ''));
});

test('multipart: LF-only, token boundary, nested alternative, part without headers, no close delimiter', () => {
  const nested = [
    '--outer', 'Content-Type: multipart/alternative; boundary=inner', '',
    '--inner', 'Content-Type: text/plain', '', 'plain version',
    '--inner', 'Content-Type: Application/SDP', '', 'v=0\no=- 1 1 IN IP4 192.0.2.9', '--inner--',
    '--outer', '', 'part without headers',
    '--outer', 'Content-Type: text/plain', '', 'last part runs to the end',
  ].join('\n');
  const parts = splitMultipart('multipart/mixed; boundary=outer', nested);
  assert.equal(parts.length, 3);
  assert.equal(parts[1]!.contentType, null);
  assert.equal(parts[1]!.body, 'part without headers');
  assert.equal(parts[2]!.body, 'last part runs to the end');
  assert.equal(findSdp('Multipart/Mixed; boundary=outer', nested), 'v=0\no=- 1 1 IN IP4 192.0.2.9');
});

test('multipart: boundary must start a line and end the delimiter; no boundary gives no parts', () => {
  const body = 'x --b inside a line\r\n--bogus not ours\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b--\r\n';
  const parts = splitMultipart('multipart/mixed;boundary=b', body);
  assert.equal(parts.length, 1);
  assert.equal(parts[0]!.body, 'one');
  assert.deepEqual(splitMultipart('multipart/mixed', body), []);
  assert.deepEqual(splitMultipart('multipart/mixed;boundary=zzz', body), []);
});

test('findSdp: plain SDP, other types, empty', () => {
  assert.equal(findSdp('application/sdp', SDP), SDP);
  assert.equal(findSdp('application/SDP ; charset=utf-8', SDP), SDP);
  assert.equal(findSdp('application/pidf+xml', '<presence/>'), null);
  assert.equal(findSdp(null, SDP), null);
  assert.equal(findSdp('application/sdp', ''), null);
  assert.equal(findSdp('multipart/mixed;boundary=x', 'no delimiters at all'), null);
  assert.equal(mediaTypeOf('Application / SDP;x=1'), 'application/sdp');
  const ct = parseContentType('multipart/related; type="application/sdp"; boundary="abc def"');
  assert.equal(ct.mediaType, 'multipart/related');
  assert.equal(ct.subtype, 'related');
  assert.equal(ct.params['boundary'], 'abc def');
  assert.equal(ct.params['type'], 'application/sdp');
});

// ---- property tests ----

const VALID = [
  INVITE,
  crlf(['SIP/2.0 200 OK', 'Via: SIP/2.0/UDP h;branch=z9hG4bK7', 'From: "A" <sip:a@b>;tag=1', 'To: <sip:c@d>;tag=2',
    'Call-ID: prop', 'CSeq: 1 INVITE', 'Content-Type: multipart/mixed;boundary=q', 'Content-Length: 40', '',
    '--q\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n--q--']),
  'REGISTER sip:r SIP/2.0\nv: SIP/2.0/TCP [::1]:5060;rport\ni: x\nf: <sip:a@[::1]>;tag=1\nt: <sip:a@[::1]>\nCSeq: 1 REGISTER\nl: 0\n\n',
];

test('property: random bytes never make parseSip or looksLikeSip throw', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, stream) => {
    const r = parseSip(bytes, 0, bytes.length, stream);
    if (!isSipParseError(r)) assert.ok(r.length <= bytes.length);
    looksLikeSip(bytes);
  }), { numRuns: 3000 });
});

test('property: mutated valid messages never throw and stay within bounds', () => {
  const mutation = fc.record({
    which: fc.nat(VALID.length - 1),
    edits: fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('flip', 'insert', 'delete', 'cut', 'dup'), byte: fc.constantFrom(0, 9, 10, 13, 32, 34, 44, 58, 59, 60, 62, 64, 92, 0x80, 0xc3, 0xff, 65) }), { maxLength: 8 }),
  });
  fc.assert(fc.property(mutation, fc.boolean(), ({ which, edits }, stream) => {
    let b = Array.from(Buffer.from(VALID[which]!, 'latin1'));
    for (const e of edits) {
      const at = b.length ? e.at % b.length : 0;
      if (e.op === 'flip') b[at] = e.byte;
      else if (e.op === 'insert') b.splice(at, 0, e.byte);
      else if (e.op === 'delete') b.splice(at, 1);
      else if (e.op === 'cut') b = b.slice(0, at);
      else b = b.concat(b.slice(at, at + 40));
    }
    const bytes = Uint8Array.from(b);
    const r = parseSip(bytes, 0, bytes.length, stream);
    if (isSipParseError(r)) {
      assert.equal(typeof r.error, 'string');
    } else {
      assert.ok(r.length <= bytes.length);
      assert.ok(r.headers.length <= MAX_HEADERS);
      assert.equal(typeof r.callId, 'string');
      r.header('Via'); r.headerValues('Contact'); void r.bodyBytes;
    }
    looksLikeSip(bytes);
  }), { numRuns: 3000 });
});

test('property: generated header values round-trip through the parser', () => {
  const tokenChar = fc.constantFrom(...'abcXYZ019-.!%*_+`\'~'.split(''));
  const token = fc.string({ unit: tokenChar, minLength: 1, maxLength: 12 });
  fc.assert(fc.property(token, token, fc.nat(0x7fffffff), token, (callId, tag, cseq, method) => {
    const msg = crlf([`${method} sip:u@h SIP/2.0`, 'Via: SIP/2.0/UDP h;branch=z9hG4bK' + tag, `From: <sip:a@b>;tag=${tag}`,
      '   ', `To: <sip:u@h>`, `Call-ID: ${callId}`, `CSeq: ${cseq} ${method}`, 'Content-Length: 0', '', '']);
    const p = ok(msg);
    assert.equal(p.method, method);
    assert.equal(p.callId, callId);
    assert.equal(p.cseqNum, cseq);
    assert.equal(p.fromTag, tag);
    assert.equal(p.branch, 'z9hG4bK' + tag);
  }), { numRuns: 500 });
});

test('emptyListElement is the regular expressions it replaces, on every string of separators, brackets and white space', () => {
  const ref = (bare: string) => /;\s*[;,]|,\s*,|[;,]\s*$/.test(bare.replace(/<[^>]*>/g, '<>'));
  const chars = [';', ',', ' ', '\t', '\n', '<', '>', 'a', '"', '\u00a0', '\u2003', '\u2028', '\ufeff', '\u0085', '\u180e'];
  fc.assert(fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 12 }), (cs) => {
    const s = cs.join('');
    assert.equal(emptyListElement(s), ref(s), JSON.stringify(s));
  }), { numRuns: 20000 });
  for (let c = 0; c < 0x10000; c++) {
    const s = `;${String.fromCharCode(c)};`;
    assert.equal(emptyListElement(s), ref(s), `U+${c.toString(16)}`);
  }
  assert.equal(emptyListElement('<sip:a;;b@x>;tag=1'), false);
  assert.equal(emptyListElement('SIP/2.0/UDP h;branch=z9hG4bK1;'), true);
});
