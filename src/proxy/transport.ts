/**
 * The proxy's transport layer (RFC 3261 §18, UDP only): one socket, every
 * datagram received and sent handed to the recorder with the time it was
 * handled, and the received/sent counters. It knows nothing of SIP: each
 * datagram goes to `onDatagram`, whose exceptions are caught here so that
 * one bad datagram never stops the proxy.
 */
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { endpoint } from '../net/addr.js';
import type { Recorder } from './recorder.js';

/** A UDP peer: IP address text (IPv6 without brackets) and port. */
export interface Addr { ip: string; port: number }

export interface TransportOptions {
  host: string;
  port: number;
  /** The local address written in recorded packets (default: host; 0.0.0.0 / :: become loopback once bound). */
  advertise: string;
  recorder: Recorder | null;
  onDatagram(buf: Buffer, src: Addr): void;
  onNote(text: string): void;
}

const ORIGIN = performance.timeOrigin;
/** Wall-clock milliseconds with sub-millisecond precision, for recorded packet times. */
export function nowMs(): number { return ORIGIN + performance.now(); }

export class UdpTransport {
  private sock: Socket | null = null;
  private closing = false;
  readonly host: string;
  port: number;
  advertise: string;
  received = 0;
  sent = 0;
  /** Datagrams whose handler threw. */
  failed = 0;

  constructor(private readonly opts: TransportOptions) {
    this.host = opts.host;
    this.port = opts.port;
    this.advertise = opts.advertise;
  }

  /** Bind the socket; resolves with the bound port (useful with port 0). */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: this.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      this.sock = sock;
      sock.once('error', reject);
      sock.on('message', (msg, r) => this.receive(msg, { ip: r.address, port: r.port }));
      sock.bind(this.port, this.host, () => {
        sock.off('error', reject);
        sock.on('error', (e) => this.opts.onNote(`socket error: ${e.message}`));
        this.port = sock.address().port;
        // A wildcard address cannot be written in Via or a trace: loopback stands for it.
        if (this.advertise === '0.0.0.0' || this.advertise === '::') this.advertise = this.host.includes(':') ? '::1' : '127.0.0.1';
        resolve(this.port);
      });
    });
  }

  send(buf: Buffer, to: Addr): void {
    if (!this.sock || this.closing) return;
    this.opts.recorder?.udp(this.advertise, this.port, to.ip, to.port, buf, nowMs());
    this.sent++;
    this.sock.send(buf, to.port, to.ip, (e) => { if (e) this.opts.onNote(`send to ${endpoint(to.ip, to.port)} failed: ${e.message}`); });
  }

  private receive(buf: Buffer, src: Addr): void {
    this.received++;
    this.opts.recorder?.udp(src.ip, src.port, this.advertise, this.port, buf, nowMs());
    try {
      this.opts.onDatagram(buf, src);
    } catch (e) {
      this.failed++;
      this.opts.onNote(`internal error on a datagram from ${endpoint(src.ip, src.port)}: ${(e as Error).message}`);
    }
  }

  /** No more datagrams in or out. */
  async close(): Promise<void> {
    this.closing = true;
    await new Promise<void>((r) => { if (this.sock) this.sock.close(() => r()); else r(); });
    this.sock = null;
  }
}
