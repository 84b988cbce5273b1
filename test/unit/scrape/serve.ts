/**
 * Small HTTP targets for scrape tests, on 127.0.0.1 with a random port. The handler can be
 * swapped at runtime; every request is recorded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestTarget {
  /** `127.0.0.1:<port>` */
  address: string;
  requests: http.IncomingMessage[];
  handler: Handler;
  close(): Promise<void>;
}

/** Starts a target answering with `handler`. */
export async function serve(handler: Handler): Promise<TestTarget> {
  const target: TestTarget = {
    address: '',
    requests: [],
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer((req, res) => {
    target.requests.push(req);
    target.handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return target;
}

/** A handler that answers 200 with `body` and `contentType`. */
export function body(text: string, contentType = 'text/plain; version=0.0.4'): Handler {
  return (_req, res) => {
    res.writeHead(200, { 'content-type': contentType });
    res.end(text);
  };
}

/** Polls `cond` every 10 ms until it is true; rejects after `ms`. */
export async function waitFor(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
