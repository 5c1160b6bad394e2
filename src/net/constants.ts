/**
 * Protocol numbers the decoder reads and the builders write, in one place so
 * the two cannot disagree. Link types (LINKTYPE_*) are the capture layer's:
 * capture/linktypes.ts.
 */

/** EtherTypes (IEEE 802 numbers). */
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_ARP = 0x0806;
/** 802.1Q VLAN tag. */
export const ETHERTYPE_VLAN = 0x8100;
/** 802.1ad outer tag (QinQ). */
export const ETHERTYPE_QINQ = 0x88a8;
/** The outer tag of QinQ before 802.1ad had a number; still seen. */
export const ETHERTYPE_QINQ_OLD = 0x9100;

/** IP protocol numbers (IANA), including the IPv6 extension headers. */
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

/** Address families as NULL/LOOP link headers carry them: AF_INET6 differs per OS. */
export const AF = { INET: 2, INET6_BSD: 24, INET6_FREEBSD: 28, INET6_DARWIN: 30, INET6_LINUX: 10, INET6_WINDOWS: 23 } as const;

/** TCP flag bits. */
export const TCP_FLAGS = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 } as const;
