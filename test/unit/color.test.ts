/** render/color.ts: SGR codes as chalk 5 wrote them, nesting, line breaks, and level 0 as plain text. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { color } from '../../src/render/color.js';

const E = '\u001b[';

function withLevel<T>(level: number, fn: () => T): T {
  const before = color.level;
  color.level = level;
  try { return fn(); } finally { color.level = before; }
}

test('each style wraps the text in its open and close codes', () => {
  withLevel(1, () => {
    assert.equal(color.bold('b'), `${E}1mb${E}22m`);
    assert.equal(color.dim('d'), `${E}2md${E}22m`);
    assert.equal(color.red('r'), `${E}31mr${E}39m`);
    assert.equal(color.green('g'), `${E}32mg${E}39m`);
    assert.equal(color.yellow('y'), `${E}33my${E}39m`);
    assert.equal(color.magenta('m'), `${E}35mm${E}39m`);
    assert.equal(color.cyan('c'), `${E}36mc${E}39m`);
    assert.equal(color.gray('g'), `${E}90mg${E}39m`);
  });
});

test('a nested style closing inside the text re-opens the outer one', () => {
  withLevel(1, () => {
    assert.equal(color.red(`a${color.green('b')}c`), `${E}31ma${E}32mb${E}39m${E}31mc${E}39m`);
    // Bold and dim share their close code (22): dim inside bold re-opens bold after it.
    assert.equal(color.bold(`x${color.dim('y')}z`), `${E}1mx${E}2my${E}22m${E}1mz${E}22m`);
  });
});

test('a line break closes the style and re-opens it on the next line (CRLF kept whole)', () => {
  withLevel(1, () => {
    assert.equal(color.yellow('one\ntwo'), `${E}33mone${E}39m\n${E}33mtwo${E}39m`);
    assert.equal(color.yellow('one\r\ntwo'), `${E}33mone${E}39m\r\n${E}33mtwo${E}39m`);
  });
});

test('level 0 and empty text give the text unchanged', () => {
  withLevel(0, () => assert.equal(color.red(`a${E}31mb`), `a${E}31mb`));
  withLevel(1, () => assert.equal(color.red(''), ''));
});
