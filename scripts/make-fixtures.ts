/**
 * `npm run fixtures`: writes fixtures/*.pcapng from the scripted exchanges in
 * fixture-scenarios.ts with the project's own pcapng writer and packet
 * builders. Deterministic: same bytes every run.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSink, PcapngWriter } from '../src/capture/writer.js';
import { LINK_TYPE_OF, udpFrames } from '../src/net/build.js';
import { FIXTURES } from './fixture-scenarios.js';
import { VERSION } from '../src/version.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'fixtures');
/** 2024-01-15T10:00:00Z: fixed so the files never change. */
const EPOCH = 1705312800;

mkdirSync(OUT, { recursive: true });
for (const [name, build] of Object.entries(FIXTURES)) {
  const scenario = build();
  const path = join(OUT, `${name}.pcapng`);
  const w = new PcapngWriter(new FileSink(path), {
    comment: `sipflow fixture "${name}": scripted SIP exchange (scripts/fixture-scenarios.ts)`,
    application: `sipflow ${VERSION} make-fixtures`,
  });
  const iface = w.addInterface({ linkType: LINK_TYPE_OF.ethernet, name: 'fixture0', description: 'scripted' });
  let ipId = 0x1000 + scenario.seed * 0x100;
  let frames = 0;
  let first = true;
  for (const p of scenario.sorted()) {
    const t = Math.round(p.t * 1e6);
    // The first INVITE crosses a small-MTU hop: it arrives as IPv4 fragments, as in real captures.
    const mtu = first && p.payload.length > 600 && name === 'call-completed' ? 576 : undefined;
    first = false;
    for (const f of udpFrames({ src: p.src.ip, dst: p.dst.ip, sport: p.srcPort, dport: p.dstPort, payload: p.payload, ipId: ipId++ & 0xffff, mtu })) {
      w.writePacket(iface, EPOCH + Math.floor(t / 1e6), (t % 1e6) * 1000, f);
      frames++;
    }
  }
  w.close();
  console.log(`${path}: ${frames} frames`);
}
