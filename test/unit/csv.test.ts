/** The call table as CSV: quoting, formula neutralising, several files in one table, filtered reports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { filterReport } from '../../src/filter.js';
import { csvCell, renderCsv } from '../../src/render/table.js';
import { ROOT } from '../helpers/corpus.js';

test('csv cells: quotes and commas quoted; text a spreadsheet would run as a formula is prefixed; numbers untouched', () => {
  assert.equal(csvCell('a,b'), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell('=cmd|" /C calc"!A0'), `"'=cmd|"" /C calc""!A0"`);
  for (const evil of ['+1+1', '-2+3', '@SUM(A1)', '\tx']) assert.ok(csvCell(evil).startsWith("'") || csvCell(evil).startsWith(`"'`), evil);
  assert.equal(csvCell(-0.5), '-0.5', 'a negative number is a number');
  assert.equal(csvCell(null), '');
  assert.equal(csvCell('-'), '-', 'standard input\'s name is no formula');
  assert.equal(csvCell('-x'), "'-x");
});

test('csv: several files make one table (one header, a file column); a filtered report counts its streams by index', async () => {
  const a = await analyze(join(ROOT, 'fixtures', 'call-busy.pcapng'));
  const b = await analyze(join(ROOT, 'fixtures', 'call-completed.pcapng'));
  const text = renderCsv(a, a.calls, { file: true }) + renderCsv(b, b.calls, { header: false, file: true });
  const lines = text.trimEnd().split('\r\n');
  assert.equal(lines.length, 3);
  assert.match(lines[0]!, /^file,index,callId,/);
  assert.ok(lines[1]!.startsWith(a.file + ',1,') && lines[2]!.startsWith(b.file + ',1,'));
  // Keep only the completed call's second stream: rtpPackets must still come from stream index 2, not position 1.
  const f = filterReport(b, { state: 'completed' });
  f.rtpStreams = f.rtpStreams.filter((s) => s.index === 2);
  const row = renderCsv(f, f.calls).trimEnd().split('\r\n')[1]!.split(',');
  const head = renderCsv(f, f.calls).split('\r\n')[0]!.split(',');
  assert.equal(Number(row[head.indexOf('rtpPackets')]), b.rtpStreams.find((s) => s.index === 2)!.packets);
});

test('csv: finalResponses names the method each final response answers, once per transaction; codec is the table cell, codecs the SDP list', async () => {
  const cancelled = await analyze(join(ROOT, 'fixtures', 'call-cancelled.pcapng'));
  const completed = await analyze(join(ROOT, 'fixtures', 'call-completed.pcapng'));
  const cell = (r: typeof cancelled, name: string) => {
    const [head, row] = renderCsv(r, r.calls).trimEnd().split('\r\n');
    return row!.split(',')[head!.split(',').indexOf(name)];
  };
  assert.equal(cell(cancelled, 'comment'), 'INVITE 200 487', "Wireshark's Comment: the 200 answers the CANCEL");
  assert.equal(cell(cancelled, 'finalResponses'), 'CANCEL:200 INVITE:487');
  assert.equal(cell(completed, 'finalResponses'), 'INVITE:200 BYE:200', 'the proxy\'s second hop is the same transaction');
  assert.equal(cell(completed, 'codec'), 'PCMU/8000 20ms');
  assert.equal(cell(completed, 'codecs'), 'PCMU/8000 PCMA/8000 telephone-event/8000');
});
