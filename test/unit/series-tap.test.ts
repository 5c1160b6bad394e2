/** The RTP series tap: plot points from the statistics engine's figures, bounded, extremes kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Report, RtpStream } from '../../src/model.js';
import type { RtpPacket, RtpStreamRef } from '../../src/tap.js';
import { RtpStats, TimestampUnwrapper } from '../../src/media/rtp-stats.js';
import { createSeriesTap, MAX_SERIES_POINTS } from '../../src/media/series.js';

function reportWith(streams: Partial<RtpStream>[]): Report {
  return {
    tool: 'sipflow', version: '0', file: 'x', capture: { format: 'pcap', frames: 0, linkTypes: [], firstTime: null, durationS: 0, truncated: false },
    calls: [], warnings: [],
    rtpStreams: streams.map((s, i) => ({ index: i + 1, packets: 0, ...s }) as RtpStream),
  };
}

/** Feed a series tap the packets of one stream the way the media tap does: statistics first, then onRtp. */
function feed(times: number[]): { series: ReturnType<typeof createSeriesTap>['series']; stats: RtpStats } {
  const tap = createSeriesTap();
  const ref = { src: 'a', dst: 'b', ssrc: 1, mediaType: 'audio', callId: null, index: 0 } as { -readonly [K in keyof RtpStreamRef]: RtpStreamRef[K] };
  const stats = new RtpStats();
  const u = new TimestampUnwrapper();
  const p = { stream: ref } as RtpPacket;
  times.forEach((t, i) => {
    stats.add(t, i & 0xffff, u.next(i * 160), 0, false, 8000, 200);
    Object.assign(p, { time: t / 1000, jitterMs: stats.jitter, deltaMs: stats.delta, packets: stats.packets });
    tap.onRtp!(p);
  });
  ref.index = 1;
  tap.finish!(reportWith([{ packets: times.length }, { packets: 1 }]));
  return { series: tap.series, stats };
}

test('series tap: bounded, every spike kept through downsampling, the last window included', () => {
  const times: number[] = [];
  let t = 0;
  for (let i = 0; i < 5003; i++) {
    // one 850 ms gap at packet 4321, one 1 ms early packet at 2222
    t += i === 0 ? 0 : i === 4321 ? 850 : i === 2222 ? 1 : 20;
    times.push(t);
  }
  const { series, stats } = feed(times);
  const se = series.get(1)!;
  assert.ok(se.t.length <= MAX_SERIES_POINTS && se.t.length > MAX_SERIES_POINTS / 4, `${se.t.length} points`);
  assert.equal(Math.max(...se.dmax), 850, 'the gap survives');
  assert.equal(stats.maxDelta, 850);
  assert.equal(Math.min(...se.dmin), 1, 'the early packet survives');
  assert.ok(se.t.every((x, i) => i === 0 || x > se.t[i - 1]!), 'times increase');
  assert.equal(Math.max(...se.jitter), Math.round(stats.maxJitter * 1000) / 1000);
  assert.ok(se.binS > 0, 'points of several packets say their width');
  assert.equal(se.packets, 5003);
});

test('series tap: a short stream keeps a point per packet after the first; a one-packet stream has an empty series', () => {
  const { series } = feed(Array.from({ length: 10 }, (_, i) => i * 20));
  assert.equal(series.get(1)!.t.length, 9);
  assert.equal(series.get(1)!.binS, 0);
  assert.deepEqual(series.get(2), { stream: 2, packets: 1, binS: 0, t: [], jitter: [], dmax: [], dmin: [] });
});
