/** LINKTYPE_* values (tcpdump.org/linktypes.html) that sipflow knows by name. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OLD: 12,
  RAW_OPENBSD: 14,
  RAW: 101,
  IEEE802_11: 105,
  LOOP: 108,
  LINUX_SLL: 113,
  IEEE802_11_RADIOTAP: 127,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const NAMES: Record<number, string> = {
  0: 'NULL/Loopback',
  1: 'Ethernet',
  12: 'Raw IP',
  14: 'Raw IP',
  101: 'Raw IP',
  105: 'IEEE 802.11 Wireless LAN',
  108: 'OpenBSD loopback',
  113: 'Linux cooked-mode capture v1',
  127: 'IEEE 802.11 plus radiotap radio header',
  228: 'Raw IPv4',
  229: 'Raw IPv6',
  276: 'Linux cooked-mode capture v2',
};

/** Human name of a link type, in the words capinfos uses where it has them. */
export function linkTypeName(linkType: number): string {
  return NAMES[linkType] ?? `link type ${linkType}`;
}
