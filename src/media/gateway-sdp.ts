/**
 * SDP carried by media gateway control protocols, which Wireshark hands to
 * its SDP dissector as it does SIP's, so their RTP streams are announced too:
 *
 *   MGCP (RFC 3435), UDP 2427 (gateway) / 2727 (call agent): a command or
 *     response, a blank line, then the SDP (CRCX/MDCX and their responses).
 *   MEGACO / H.248 text encoding (RFC 3525), UDP 2944: SDP inside Local{...}
 *     and Remote{...} descriptors (L{ } / R{ } in the short form).
 *
 * Only what lets the media tap set up those streams is read; the gateway
 * calls themselves are not calls of the report (sipflow's calls are SIP's).
 * The per-packet cost elsewhere is one port comparison.
 */

export const MGCP_GATEWAY_PORT = 2427;
export const MGCP_AGENT_PORT = 2727;
export const MEGACO_TEXT_PORT = 2944;

/** Most SDP bodies taken from one message (a MEGACO transaction may hold several). */
const MAX_SDPS = 16;

/** Is this UDP port pair MGCP's or MEGACO's? */
export function isGatewayPort(srcPort: number, dstPort: number): boolean {
  return srcPort === MGCP_GATEWAY_PORT || dstPort === MGCP_GATEWAY_PORT || srcPort === MGCP_AGENT_PORT || dstPort === MGCP_AGENT_PORT
    || srcPort === MEGACO_TEXT_PORT || dstPort === MEGACO_TEXT_PORT;
}

/** The SDP bodies in an MGCP or MEGACO text datagram, [] when it holds none (or is neither). */
export function gatewaySdps(payload: Uint8Array, srcPort: number, dstPort: number): string[] {
  if (payload.length < 8 || payload.length > 65535) return [];
  const text = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('latin1');
  if (srcPort === MEGACO_TEXT_PORT || dstPort === MEGACO_TEXT_PORT) return megacoSdps(text);
  return mgcpSdps(text);
}

/** MGCP: verb or response code first; the SDP after the first empty line, up to a "." line (piggybacked messages). */
function mgcpSdps(text: string): string[] {
  if (!/^(?:[A-Z]{4} |\d{3} )/.test(text)) return [];
  const blank = /\r?\n\r?\n/.exec(text);
  if (!blank) return [];
  let body = text.slice(blank.index + blank[0].length);
  const dot = /(?:^|\r?\n)\.\r?\n/.exec(body);
  if (dot) body = body.slice(0, dot.index);
  return /^v=0/m.test(body) ? [body] : [];
}

/** MEGACO text: each Local/Remote descriptor's body that is SDP ("v=0" ... up to its closing brace). */
function megacoSdps(text: string): string[] {
  if (!/^\s*(?:MEGACO|!)\//i.test(text)) return [];
  const out: string[] = [];
  const re = /\b(?:Local|Remote|L|R)\s*\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null && out.length < MAX_SDPS) {
    const start = m.index + m[0].length;
    const close = text.indexOf('}', start);
    if (close < 0) break;
    const body = text.slice(start, close);
    // One descriptor may group several SDP sessions, each beginning with v=0.
    for (const part of body.split(/(?=^\s*v=0)/m)) if (/^\s*v=0/.test(part)) out.push(part.trim() + '\r\n');
    re.lastIndex = close + 1;
  }
  return out;
}
