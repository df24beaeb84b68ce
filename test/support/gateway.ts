import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real SMS gateway stand-in on 127.0.0.1: answers each POST with the next status of `plan`
 * (then 200), and keeps what it was sent.
 */
export interface Gateway {
  url: string;
  received: { headers: IncomingHttpHeaders; body: any }[];
  plan: number[];
  close(): Promise<void>;
}

export async function startGateway(plan: number[] = []): Promise<Gateway> {
  const gw = { received: [] as Gateway['received'], plan: [...plan] };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: unknown = null;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = Buffer.concat(chunks).toString('utf8');
      }
      gw.received.push({ headers: req.headers, body });
      const status = gw.plan.shift() ?? 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      // A gateway that echoes the text back: none of it may end up in the delivery row.
      res.end(JSON.stringify({ status, echo: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(gw, {
    url: `http://127.0.0.1:${port}/send`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  });
}

/** A port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
