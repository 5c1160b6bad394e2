/** Text rendering of `sipflow capinfo`. */
import { color } from './color.js';
import type { CapInfo } from '../capinfo.js';
import { printable } from './terminal.js';

export function renderCapinfo(ci: CapInfo): string {
  const L: string[] = [];
  const row = (k: string, v: string | number) => L.push(`${color.bold(k.padEnd(22))}${v}`);
  row('File', printable(ci.file));
  row('Format', `${ci.format}${ci.gzip ? ' (gzip-compressed)' : ''}${ci.format === 'pcapng' ? `, ${ci.sections} section${ci.sections === 1 ? '' : 's'}` : ''}`);
  row('Bytes read', ci.bytes);
  row('Frames', ci.frames);
  row('First frame', ci.firstTime ?? '-');
  row('Last frame', ci.lastTime ?? '-');
  row('Duration', `${ci.durationS.toFixed(6)} s`);
  row('Time order', ci.timeOrdered ? 'in order' : color.yellow('timestamps go backwards in places (frames keep file order, as in Wireshark)'));
  row('Truncated', ci.truncated ? color.red('yes') : 'no');
  row('Interfaces', ci.interfaces.length);
  for (const i of ci.interfaces) {
    L.push(`  #${i.id}${ci.sections > 1 ? ` (section ${i.section})` : ''}  ${i.linkTypeName} (${i.linkType})  ${i.frames} frames  snaplen ${i.snapLen}  ${i.tsResolution}${i.tsOffset ? `  offset ${i.tsOffset} s` : ''}${i.name ? `  ${printable(i.name)}` : ''}`);
  }
  const n = ci.net;
  row('IPv4 / IPv6', `${n.ipv4} / ${n.ipv6}`);
  row('UDP / TCP', `${n.udp} / ${n.tcp}`);
  row('IP fragments', `${n.fragments} (${n.reassembled} datagram${n.reassembled === 1 ? '' : 's'} reassembled)`);
  if (n.tunnels) row('Tunnelled packets', n.tunnels);
  // Each encapsulation layer decoded (a frame inside two tunnels counts in both).
  const encaps = Object.entries(n.encapsulations ?? {});
  if (encaps.length) row('Encapsulations', encaps.map(([name, count]) => `${name} ${count}`).join(', '));
  if (n.sctpChunks) row('SCTP DATA chunks', `${n.sctpChunks} (${n.sctpReassembled} messages reassembled)`);
  if (n.notIp) row('Not IP', n.notIp);
  if (n.malformed) row('Malformed', n.malformed);
  for (const [name, count] of Object.entries(n.unsupportedLinkTypes)) row('Not decoded', `${count} frames of ${name}`);
  for (const [what, count] of Object.entries(n.undecoded ?? {})) row('Not decoded', `${count} frames of ${what}`);
  for (const [port, count] of Object.entries(n.tls ?? {})) row('Not decrypted', `TLS on port ${port}: ${count} frames`);
  // The reader's and decoder's warnings only: analyze counts these and adds the SIP and media ones (its header's count).
  row('Capture warnings', `${ci.warnings.length ? color.yellow(String(ci.warnings.length)) : '0'} (file format and packets; analyze adds SIP and media warnings)`);
  for (const w of ci.warnings) L.push(`  ${color.yellow('!')} ${w.frame !== null ? `frame ${w.frame}: ` : ''}${printable(w.message)}`);
  return L.join('\n') + '\n';
}
