/**
 * Where `sipflow proxy` keeps registrations: $XDG_STATE_HOME/sipflow, else
 * ~/.local/state/sipflow, the folder created, the path in the start line;
 * --db FILE elsewhere, --no-db nowhere. Every run here points HOME and
 * XDG_STATE_HOME at a temporary folder: nothing is written to the real home.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRegistrationsFile, stateDir } from '../../src/proxy/state-dir.js';
import { CLI } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sipflow-state-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('state folder: XDG_STATE_HOME when absolute, else ~/.local/state', () => {
  assert.equal(stateDir({ XDG_STATE_HOME: '/var/xdg' }, '/home/u'), '/var/xdg/sipflow');
  assert.equal(stateDir({}, '/home/u'), '/home/u/.local/state/sipflow');
  assert.equal(stateDir({ XDG_STATE_HOME: '' }, '/home/u'), '/home/u/.local/state/sipflow');
  assert.equal(stateDir({ XDG_STATE_HOME: 'relative/dir' }, '/home/u'), '/home/u/.local/state/sipflow', 'a relative path is ignored');
  assert.equal(defaultRegistrationsFile({ XDG_STATE_HOME: '/var/xdg' }, '/home/u'), '/var/xdg/sipflow/registrations.sqlite');
});

/** Start the proxy command, return its start line, stop it with SIGINT. */
function startLine(args: string[], env: Record<string, string>, cwd: string): Promise<{ line: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'proxy', '--listen', '127.0.0.1:0', ...args], {
      cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    let line = '';
    const guard = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no start line: ${err}`)); }, 10000);
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /^.*listening on udp.*$/m.exec(err);
      if (m && !line) { line = m[0]; child.kill('SIGINT'); }
    });
    child.on('close', (code) => { clearTimeout(guard); resolve({ line, code }); });
  });
}

test('default: registrations.sqlite in the state folder (created), its path in the start line; nothing in the working folder', async () => {
  const xdg = join(dir, 'xdg');
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  const r = await startLine([], { XDG_STATE_HOME: xdg, HOME: join(dir, 'home') }, cwd);
  assert.equal(r.code, 0);
  const file = join(xdg, 'sipflow', 'registrations.sqlite');
  assert.match(r.line, new RegExp(`registrations in sqlite ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  assert.ok(existsSync(file));
  assert.deepEqual(readdirSync(cwd), []);
});

test('without XDG_STATE_HOME: ~/.local/state/sipflow', async () => {
  const home = join(dir, 'home2');
  const r = await startLine([], { XDG_STATE_HOME: '', HOME: home }, mkdtempSync(join(dir, 'cwd-')));
  assert.equal(r.code, 0);
  assert.ok(existsSync(join(home, '.local', 'state', 'sipflow', 'registrations.sqlite')), r.line);
});

test('--db FILE (folder created) and --no-db (memory only, no file anywhere)', async () => {
  const db = join(dir, 'elsewhere', 'deep', 'reg.sqlite');
  const xdg = join(dir, 'xdg3');
  const env = { XDG_STATE_HOME: xdg, HOME: join(dir, 'home3') };
  const r1 = await startLine(['--db', db], env, mkdtempSync(join(dir, 'cwd-')));
  assert.match(r1.line, /registrations in sqlite .*reg\.sqlite/);
  assert.ok(existsSync(db));
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  const r2 = await startLine(['--no-db'], env, cwd);
  assert.equal(r2.code, 0);
  assert.match(r2.line, /registrations in memory/);
  assert.ok(!existsSync(xdg), 'the state folder is not even created');
  assert.deepEqual(readdirSync(cwd), []);
});
