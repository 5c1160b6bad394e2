/**
 * The proxy journal's own rules: a turn's lines go out in one write at the
 * end of the turn (or on flush/close), and a flood of notices about
 * malformed datagrams is bounded per second with the rest counted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FLOOD_NOTES_PER_SECOND, Journal, type JournalEntry } from '../../src/proxy/journal.js';

test('journal lines of one turn are written when the turn ends, in order; flush and close write at once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-journal-'));
  try {
    const file = join(dir, 'j.log');
    const j = new Journal({ file, stderr: false });
    j.note('one');
    j.note('two');
    assert.equal(readFileSync(file, 'utf8'), '', 'nothing written inside the turn');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(readFileSync(file, 'utf8').split('\n').map((l) => l.replace(/^\S+ /, '')), ['one', 'two', '']);
    j.note('three');
    j.flush();
    assert.match(readFileSync(file, 'utf8'), /three\n$/);
    j.note('four');
    j.close();
    assert.match(readFileSync(file, 'utf8'), /four\n$/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a flood of malformed-datagram notices: FLOOD_NOTES_PER_SECOND a second, the rest in one line when the second ends', () => {
  const entries: JournalEntry[] = [];
  const j = new Journal({ stderr: false, onEntry: (e) => entries.push(e) });
  const notes: string[] = [];
  // onEntry sees call events; notices are read back from what note() wrote, so wrap it.
  const note = j.note.bind(j);
  j.note = (text: string) => { notes.push(text); note(text); };
  const t0 = 1_800_000_000_000;
  for (let i = 0; i < FLOOD_NOTES_PER_SECOND + 37; i++) j.floodNote(`dropped malformed datagram ${i}`, t0 + i);
  assert.equal(notes.length, FLOOD_NOTES_PER_SECOND);
  j.endFloodSecond(t0 + 999);
  assert.equal(notes.length, FLOOD_NOTES_PER_SECOND, 'the second is not over');
  j.endFloodSecond(t0 + 1000);
  assert.equal(notes.at(-1), '37 more malformed or refused datagrams in that second, not journaled one by one (the statistics count them)');
  j.endFloodSecond(t0 + 2000);
  assert.equal(notes.length, FLOOD_NOTES_PER_SECOND + 1, 'nothing held, nothing said');
  // A new second starts a new budget, and the held count of the last one is said first.
  for (let i = 0; i < FLOOD_NOTES_PER_SECOND + 1; i++) j.floodNote(`x${i}`, t0 + 3000);
  j.floodNote('next second', t0 + 4000);
  assert.deepEqual(notes.slice(-2), ['1 more malformed or refused datagram in that second, not journaled one by one (the statistics count them)', 'next second']);
  assert.deepEqual(entries, []);
  j.close();
});
