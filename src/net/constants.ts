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
/** PPPoE discovery and session stages (RFC 2516). */
export const ETHERTYPE_PPPOE_DISCOVERY = 0x8863;
export const ETHERTYPE_PPPOE = 0x8864;
/** MPLS unicast and multicast label stacks (RFC 3032). */
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MC = 0x8848;
/** GRE protocol types that are not EtherTypes of a frame: transparent Ethernet bridging, PPP (PPTP), ERSPAN. */
export const ETHERTYPE_TEB = 0x6558;
export const ETHERTYPE_PPP = 0x880b;
export const ETHERTYPE_ERSPAN_II = 0x88be;
export const ETHERTYPE_ERSPAN_III = 0x22eb;

/** PPP protocol numbers (RFC 1661, 1332, 5072) the decoder follows. */
export const PPP_IPV4 = 0x0021;
export const PPP_IPV6 = 0x0057;

/** UDP ports of the tunnels decoded by port (as Wireshark registers them). */
export const UDP_PORT_GTPU = 2152;
export const UDP_PORT_VXLAN = 4789;
export const UDP_PORT_VXLAN_GPE = 4790;
export const UDP_PORT_GENEVE = 6081;
export const UDP_PORT_HEP = 9060;

/** IP protocol numbers (IANA), including the IPv6 extension headers. */
export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_GRE = 47;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_SCTP = 132;
export const IPPROTO_MOBILITY = 135;
export const IPPROTO_HIP = 139;
export const IPPROTO_SHIM6 = 140;

/** Address families as NULL/LOOP link headers carry them: AF_INET6 differs per OS. */
export const AF = { INET: 2, INET6_BSD: 24, INET6_FREEBSD: 28, INET6_DARWIN: 30, INET6_LINUX: 10, INET6_WINDOWS: 23 } as const;

/** TCP flag bits. */
export const TCP_FLAGS = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16, URG: 32 } as const;
