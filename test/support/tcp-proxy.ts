/**
 * A loopback TCP proxy for tests of network trouble between centers: the
 * upstream can be moved (a partner restarted on another port), absent (the
 * partner is down: connections are refused), or the next connection cut
 * after a given number of bytes (a link that drops mid-transfer).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly url: string;
  /** Forward to this loopback port, or refuse everything (undefined). */
  setUpstream(port: number | undefined): void;
  /** Cut the connection that carries the `bytes`-th byte from now (client → upstream), once. */
  cutAfter(bytes: number): void;
  /** Bytes sent from clients to the upstream so far. */
  readonly forwarded: number;
  /** Connections cut by cutAfter so far. */
  readonly cuts: number;
  close(): Promise<void>;
}

export async function startTcpProxy(): Promise<TcpProxy> {
  let upstreamPort: number | undefined;
  let forwarded = 0;
  let cuts = 0;
  let cutAt: number | undefined;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    if (upstreamPort === undefined) return void client.destroy();
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.once('close', () => sockets.delete(upstream));
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (cutAt !== undefined && forwarded + chunk.length >= cutAt) {
        const keep = chunk.subarray(0, Math.max(0, cutAt - forwarded));
        forwarded += keep.length;
        cutAt = undefined;
        cuts++;
        upstream.write(keep, drop);
        return;
      }
      forwarded += chunk.length;
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    setUpstream: (p) => {
      upstreamPort = p;
    },
    cutAfter: (bytes) => {
      cutAt = forwarded + bytes;
    },
    get forwarded() {
      return forwarded;
    },
    get cuts() {
      return cuts;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
