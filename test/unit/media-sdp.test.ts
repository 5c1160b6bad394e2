/** SDP text in, media descriptions out: what the media stage registers and the call list shows. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSdp, sdpSummary } from '../../src/media/sdp.js';
import { analysisClockRate, codecName, nominalClockRate } from '../../src/media/codecs.js';

const sdp = (...lines: string[]) => lines.join('\r\n') + '\r\n';

test('several m= sections: session c= as default, media c= overrides, port 0 rejected', () => {
  const s = parseSdp(sdp(
    'v=0', 'o=alice 2890844526 2890844527 IN IP4 host.example.com', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0',
    'm=audio 49170 RTP/AVP 0 8 97', 'a=rtpmap:97 iLBC/8000', 'a=ptime:30',
    'm=video 51372 RTP/AVP 31 32', 'c=IN IP4 192.0.2.7/127', 'a=rtpmap:31 H261/90000',
    'm=application 0 UDP/BFCP *',
  ));
  assert.equal(s.origin, 'alice 2890844526 2890844527 IN IP4 host.example.com');
  assert.deepEqual(s.media.map((m) => [m.type, m.address, m.port, m.rejected, m.proto]), [
    ['audio', '192.0.2.1', 49170, false, 'RTP/AVP'],
    ['video', '192.0.2.7', 51372, false, 'RTP/AVP'],
    ['application', '192.0.2.1', 0, true, 'UDP/BFCP'],
  ]);
  assert.deepEqual(s.media[0]!.formats, ['0', '8', '97']);
  assert.equal(s.media[0]!.ptime, 30);
  assert.equal(s.media[0]!.rtcpPort, 49171, 'RTCP on the next port by default');
});

test('rtpmap with channels, fmtp, maxptime, rtcp attribute, rtcp-mux, directions at both levels', () => {
  const s = parseSdp(sdp(
    'v=0', 'o=- 1 1 IN IP6 2001:db8::1', 's=-', 'c=IN IP6 2001:db8::1', 't=0 0', 'a=recvonly',
    'm=audio 5004 RTP/SAVPF 111 9 101', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1',
    'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=maxptime:120', 'a=rtcp:5005', 'a=rtcp-mux',
    'm=audio 5006 RTP/AVP 0', 'a=inactive', 'a=rtcp:6000 IN IP4 198.51.100.2',
  ));
  const [a, b] = s.media as [typeof s.media[0], typeof s.media[0]];
  assert.equal(a.address, '2001:db8::1');
  assert.deepEqual(a.rtpmap.get(111), { name: 'opus', rate: 48000, channels: 2 });
  assert.equal(a.fmtp.get(111), 'minptime=10;useinbandfec=1');
  assert.equal(a.fmtp.get(101), '0-16');
  assert.equal(a.maxptime, 120);
  assert.equal(a.ptime, null);
  assert.equal(a.rtcpMux, true);
  assert.equal(a.direction, 'recvonly', 'session-level direction is the default');
  assert.equal(b.direction, 'inactive', 'media-level direction wins');
  assert.equal(b.rtcpPort, 6000);
  assert.equal(b.rtcpAddress, '198.51.100.2');
});

test('lenient: LF line ends, blank and junk lines, odd ports, a port count', () => {
  const s = parseSdp('v=0\nc=IN IP4 10.1.1.1\n\ngarbage\nm=audio 7078/2 RTP/AVP 0\nm=audio x RTP/AVP 0\nm=audio 70000 RTP/AVP 0\n');
  assert.deepEqual(s.media.map((m) => [m.port, m.rejected]), [[7078, false], [0, true], [0, true]]);
  assert.deepEqual(parseSdp('').media, []);
});

test('codec names and clock rates: static table, rtpmap, G.722 at 8000, opus and VP8', () => {
  assert.equal(codecName(0, undefined), 'PCMU/8000');
  assert.equal(codecName(18, undefined), 'G729/8000');
  assert.equal(codecName(9, undefined), 'G722/8000');
  assert.equal(codecName(120, undefined), 'PT 120');
  assert.equal(codecName(96, { name: 'VP8', rate: 90000, channels: null }), 'VP8/90000');
  assert.equal(analysisClockRate(9, undefined), 8000);
  assert.equal(analysisClockRate(96, { name: 'opus', rate: 48000, channels: 2 }), 48000);
  assert.equal(analysisClockRate(96, { name: 'AMR-WB', rate: 0, channels: null }), 16000, 'no rate in rtpmap: Wireshark\'s name table');
  assert.equal(analysisClockRate(101, { name: 'telephone-event', rate: 8000, channels: null }), 0);
  assert.equal(analysisClockRate(120, undefined), 0, 'an unmapped dynamic type has no clock');
  assert.equal(nominalClockRate(101, { name: 'telephone-event', rate: 8000, channels: null }), 8000);
});

test('one-line summary for the ladder and the HTML report', () => {
  const s = parseSdp(sdp(
    'v=0', 'c=IN IP4 10.0.0.1', 'm=audio 4000 RTP/AVP 96 0 101', 'a=rtpmap:96 opus/48000/2', 'a=rtpmap:101 telephone-event/8000', 'a=sendonly',
    'm=video 0 RTP/AVP 97',
  ));
  assert.equal(sdpSummary(s, (m, pt) => codecName(pt, m.rtpmap.get(pt))), 'audio opus/48000,PCMU/8000 10.0.0.1:4000 sendonly; video rejected');
});
