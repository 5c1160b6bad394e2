/**
 * The kernel's drop count for the proxy's UDP socket (proxy/socket-drops.ts):
 * parsed from /proc/net/udp-style text, and read for a real socket whose
 * receive queue is made to overflow (Linux only; skipped elsewhere, saying so).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { dropsInTable, udpSocketDrops } from '../../src/proxy/socket-drops.js';

const TABLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  123: 0100007F:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 17
  124: 00000000:13C4 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4243 2 0000000000000000 3
  125: 0100007F:13C5 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4244 2 0000000000000000 99
`;

test('drops of the sockets bound to a port, summed; none bound: null', () => {
  assert.equal(dropsInTable(TABLE, 5060), 20);
  assert.equal(dropsInTable(TABLE, 5061), 99);
  assert.equal(dropsInTable(TABLE, 5062), null);
  assert.equal(dropsInTable('header only\n', 5060), null);
  assert.equal(udpSocketDrops(5060, ['/nonexistent/udp']), null, 'no table: unknown, not 0');
});

test('a real socket that is not read: the kernel counts what did not fit', { skip: existsSync('/proc/net/udp') ? false : 'no /proc/net/udp (not Linux)' }, () => {
  const sink = createSocket({ type: 'udp4', recvBufferSize: 4096 });
  return new Promise<void>((resolve, reject) => {
    sink.on('message', () => undefined);
    sink.bind(0, '127.0.0.1', () => {
      try {
        const port = sink.address().port;
        assert.equal(udpSocketDrops(port), 0);
        // spawnSync holds this thread, so nothing reads the 4 KiB queue while another process sends into it.
        const send = `const s = require('node:dgram').createSocket('udp4'); let n = 0; const b = Buffer.alloc(1000, 65);
          const next = () => { if (n++ === 200) return s.close(); s.send(b, ${port}, '127.0.0.1', next); }; next();`;
        const r = spawnSync(process.execPath, ['-e', send], { timeout: 20_000 });
        assert.equal(r.status, 0, r.stderr.toString());
        const drops = udpSocketDrops(port);
        assert.ok(drops !== null && drops > 100, `dropped ${drops} of 200 datagrams into a 4 KiB queue`);
        resolve();
      } catch (e) { reject(e as Error); } finally { sink.close(); }
    });
  });
});
