/**
 * The media relay's SDP rewriting (src/proxy/media-relay.ts): SDP is read
 * with the analyzer's parseSdp, and the c=, m= and a=rtcp lines are
 * rewritten in place, every other byte kept (line ends included).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaRelay } from '../../src/proxy/media-relay.js';

const OFFER = [
  'v=0', 'o=alice 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0',
  'm=audio 49170 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtcp:49171 IN IP4 192.0.2.1',
  'm=video 51372/2 RTP/AVP 96', 'c=IN IP4 192.0.2.5', 'a=rtpmap:96 VP8/90000',
  'm=text 0 RTP/AVP 98', '',
].join('\r\n');

function relay(portMin: number): MediaRelay {
  return new MediaRelay({ bindIp: '127.0.0.1', advertiseIp: '127.0.0.1', portMin, portMax: portMin + 19 });
}

test('offer from the caller: the callee is offered the legs facing it, the rest byte for byte', async () => {
  const r = relay(43000);
  try {
    const out = await r.rewrite('call-1', 'a', OFFER);
    // Pairs are taken in order: first the legs facing the caller (audio 43000, video 43002), then those
    // facing the callee (audio 43004, video 43006), which the callee is offered.
    assert.equal(out, [
      'v=0', 'o=alice 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0',
      'm=audio 43004 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtcp:43005',
      'm=video 43006/2 RTP/AVP 96', 'c=IN IP4 127.0.0.1', 'a=rtpmap:96 VP8/90000',
      'm=text 0 RTP/AVP 98', '',
    ].join('\r\n'));
    assert.equal(r.activeSessions, 1);
    // The answer from the callee reuses the call's legs: the caller is offered the a legs.
    const answer = await r.rewrite('call-1', 'b', 'v=0\nc=IN IP4 198.51.100.9\nm=audio 6000 RTP/AVP 0\nm=video 6002 RTP/AVP 96\n');
    assert.equal(answer, 'v=0\nc=IN IP4 127.0.0.1\nm=audio 43000 RTP/AVP 0\nm=video 43002 RTP/AVP 96\n');
  } finally { r.close(); }
});

test('nothing to relay: no media, a held stream (0.0.0.0), or port 0 leave the SDP alone', async () => {
  const r = relay(43100);
  try {
    assert.equal(await r.rewrite('c2', 'a', 'v=0\r\nc=IN IP4 192.0.2.1\r\n'), null);
    assert.equal(await r.rewrite('c3', 'a', 'v=0\r\nc=IN IP4 0.0.0.0\r\nm=audio 4000 RTP/AVP 0\r\n'), null);
    assert.equal(await r.rewrite('c4', 'a', 'v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 0 RTP/AVP 0\r\n'), null);
  } finally { r.close(); }
});
