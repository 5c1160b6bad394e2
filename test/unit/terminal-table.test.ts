/**
 * Terminal primitives and the call table: display widths, clipping, control
 * characters from packets, and the table's shape at any number of rows.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { color } from '../../src/render/color.js';
import type { Call, Report } from '../../src/model.js';
import { clip, displayWidth, drawTable, pad, printable } from '../../src/render/terminal.js';
import { renderAnalyze, renderCallTable } from '../../src/render/table.js';

color.level = 0;

describe('terminal primitives', () => {
  test('display width: ASCII, Latin-1, combining marks, CJK, emoji', () => {
    assert.equal(displayWidth('alice@example.com'), 17);
    assert.equal(displayWidth('Jiří Dvořák'), 11);
    assert.equal(displayWidth('Jiří'.normalize('NFD')), 4, 'combining marks take no column');
    assert.equal(displayWidth('山田太郎'), 8);
    assert.equal(displayWidth('call 📞'), 7);
    assert.equal(displayWidth(''), 0);
  });

  test('clip: by columns, an ellipsis when cut, never a half wide character', () => {
    assert.equal(clip('abcdef', 6), 'abcdef');
    assert.equal(clip('abcdef', 4), 'abc…');
    assert.equal(clip('abcdef', 1), 'a');
    assert.equal(clip('abcdef', 0), '');
    assert.equal(clip('山田太郎', 6), '山田…');
    assert.equal(clip('山田太郎', 5), '山田…');
    assert.equal(displayWidth(clip('山田太郎', 4)), 3);
    assert.equal(pad('山', 4), '山  ');
    assert.equal(pad('ab', 4, true), '  ab');
  });

  test('printable: escape sequences, newlines and C1 controls become U+FFFD', () => {
    assert.equal(printable('Eve\x1b[2J\x1b]0;pwned\x07'), 'Eve\uFFFD[2J\uFFFD]0;pwned\uFFFD');
    assert.equal(printable('a\r\nb\u009bc\u2028'), 'a\uFFFD\uFFFDb\uFFFDc\uFFFD');
    assert.equal(printable('plain'), 'plain');
  });

  test('drawTable: every line has the same display width, wide and hostile cells included', () => {
    const out = drawTable([{ head: 'Name' }, { head: 'N', align: 'right' }], [6, 3], [['山田太郎', '1'], ['x\x1by', '22'], ['a', '333']]);
    const lines = out.split('\n');
    assert.equal(lines.length, 3 + 3 + 1);
    for (const l of lines) assert.equal(displayWidth(l), 2 + 6 + 3 + 3 + 2, JSON.stringify(l));
    assert.ok(!out.includes('\x1b'));
    assert.match(lines[3]!, /│ 山田…  │   1 │/, "width 5 of 6: one space of fill");
    assert.match(lines[5]!, /│ a      │ 333 │/);
  });
});

function call(i: number, over: Partial<Call> = {}): Call {
  return {
    index: i, callId: `c${i}@host`, kind: 'call', partial: false, start: i, stop: i + 10, durationS: 10, setupMs: 50,
    from: `sip:alice${i}@example.com`, fromDisplay: 'Alice', to: 'sip:bob@example.com', toDisplay: null, initialSpeaker: '10.0.0.1',
    state: 'COMPLETED', outcome: 'ANSWERED', sipPackets: 9, firstFrame: 1, lastFrame: 9, comment: 'INVITE 200',
    media: [], streams: [], events: [], messages: [],
    ...over,
  } as unknown as Call;
}

function report(calls: Call[]): Report {
  return {
    file: 'x.pcapng', capture: { format: 'pcapng', frames: 1, durationS: 1, linkTypes: ['ETHERNET'], truncated: false },
    calls, rtpStreams: [], warnings: [],
  } as unknown as Report;
}

describe('call table', () => {
  test('a hostile display name and Call-ID print as text, not as terminal commands', () => {
    const c = call(1, { fromDisplay: 'Eve\x1b[31m\x1b]8;;http://x\x07', callId: 'id\x1b[2J', events: [{ time: 0, frame: 1, text: 'Incoming call \x1b[5m', kind: 'incoming' }] as unknown as Call['events'] });
    const out = renderAnalyze(report([c]), { all: false, width: 200, streams: true, events: true }, false);
    assert.ok(!out.includes('\x1b'), JSON.stringify(out));
    assert.ok(out.includes('Eve\uFFFD[31m'));
  });

  test('5 000 calls: one line each, all the same width, the narrow terminal drops columns', () => {
    const calls = Array.from({ length: 5000 }, (_, i) => call(i + 1));
    const lines = renderCallTable(report(calls), calls, 120).split('\n');
    assert.equal(lines.length, 5000 + 4);
    const w = displayWidth(lines[0]!);
    assert.ok(w <= 120);
    assert.ok(lines.every((l) => displayWidth(l) === w));
    const narrow = renderCallTable(report(calls.slice(0, 3)), calls.slice(0, 3), 60).split('\n');
    assert.ok(displayWidth(narrow[0]!) <= 60, narrow[0]);
    assert.ok(!narrow[1]!.includes('Comment'));
  });
});
