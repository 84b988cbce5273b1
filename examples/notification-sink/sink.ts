/**
 * A local stand-in for Slack incoming webhooks, PagerDuty's Events API and generic webhooks, so the
 * demo stack and the tests can watch notifications arrive without anything leaving the machine.
 * Every POST is recorded with its path and JSON body; `GET /notifications` lists them (newest last).
 */
import Fastify from 'fastify';

/** One received notification. `kind` is the first path segment (`slack`, `pagerduty`, `webhook`, …). */
export interface ReceivedNotification {
  kind: string;
  path: string;
  receivedAt: string;
  body: unknown;
}

export interface NotificationSink {
  url: string;
  received: ReceivedNotification[];
  /** Resolves with the first notification (already received or future) for which `pred` holds. */
  waitFor(pred: (n: ReceivedNotification) => boolean, timeoutMs: number): Promise<ReceivedNotification>;
  close(): Promise<void>;
}

/** Starts the sink on host:port (port 0 = any free port). `log` receives a one-line summary per notification. */
export async function startNotificationSink(opts: {
  host?: string;
  port?: number;
  keep?: number;
  log?: (line: string) => void;
}): Promise<NotificationSink> {
  const received: ReceivedNotification[] = [];
  const waiters: { pred: (n: ReceivedNotification) => boolean; resolve: (n: ReceivedNotification) => void }[] = [];
  const keep = opts.keep ?? 1000;
  const app = Fastify({ logger: false });

  app.post('/*', async (req, reply) => {
    const path = req.url;
    const n: ReceivedNotification = {
      kind: path.split('/')[1] ?? '',
      path,
      receivedAt: new Date().toISOString(),
      body: req.body,
    };
    received.push(n);
    if (received.length > keep) received.shift();
    opts.log?.(`${n.receivedAt} ${n.kind} ${summary(n)}`);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.pred(n)) {
        waiters[i]!.resolve(n);
        waiters.splice(i, 1);
      }
    }
    // PagerDuty's Events API v2 answers 202 with a small JSON; Slack answers 200 "ok".
    if (n.kind === 'pagerduty') return reply.code(202).send({ status: 'success', message: 'Event processed' });
    return reply.type('text/plain').send('ok');
  });
  app.get('/notifications', () => received);

  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    received,
    waitFor(pred, timeoutMs) {
      const found = received.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const w = { pred, resolve: (n: ReceivedNotification) => (clearTimeout(timer), resolve(n)) };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          reject(new Error(`no matching notification within ${timeoutMs} ms (received ${received.length})`));
        }, timeoutMs);
        waiters.push(w);
      });
    },
    close: () => app.close(),
  };
}

function summary(n: ReceivedNotification): string {
  const b = n.body as Record<string, unknown> | null;
  if (!b || typeof b !== 'object') return '';
  if (n.kind === 'slack') {
    const att = (b.attachments as Record<string, unknown>[] | undefined)?.[0];
    return `channel=${String(b.channel ?? '')} title=${JSON.stringify(att?.title ?? '')}`;
  }
  if (n.kind === 'pagerduty') {
    const payload = b.payload as Record<string, unknown> | undefined;
    return `event_action=${String(b.event_action ?? b.event_type ?? '')} summary=${JSON.stringify(payload?.summary ?? b.description ?? '')}`;
  }
  return `status=${String(b.status ?? '')} alerts=${Array.isArray(b.alerts) ? b.alerts.length : 0}`;
}
