/**
 * A second HTTP listener serving only Loki's API (`--logs.listen-address`, e.g. `:3100`, Loki's
 * default port), for shippers configured with a Loki URL. The same routes are also on the main
 * listen address.
 */
import type { Server } from 'node:http';
import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { logger } from '../log.js';
import { registerLoki, type LokiDeps } from './loki.js';
import { acceptFormBodies } from './params.js';
import { MAX_HEADER_BYTES, NO_SCHEMA_COMPILERS, parseListenAddress, type WebServer } from './server.js';
import type { WebConfigGuard } from './web-config-guard.js';

const log = logger('web');

/**
 * Starts the Loki-only listener on `listenAddress` (`host:port`, `:3100` = all interfaces), behind
 * `webConfig` (`--web.config.file`) when given; rejects when it cannot bind.
 */
export async function startLokiServer(listenAddress: string, deps: LokiDeps, registry?: Registry, webConfig?: WebConfigGuard): Promise<WebServer> {
  const app = Fastify({
    logger: false,
    schemaController: NO_SCHEMA_COMPILERS,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    routerOptions: { ignoreTrailingSlash: true },
    // `--web.config.file` (TLS, basic auth) applies to this listener too, see web-config-guard.ts.
    ...(webConfig ? { serverFactory: (handler: Parameters<WebConfigGuard['createServer']>[0]) => webConfig.createServer(handler, MAX_HEADER_BYTES) as Server } : {}),
  });
  acceptFormBodies(app);
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 500) log.error('request failed', { url: req.url, err: err.stack ?? String(err) });
    return reply.code(status).type('text/plain; charset=utf-8').send(`${err.message}\n`);
  });
  registerLoki(app, deps);
  if (registry) app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  app.setNotFoundHandler((_req, reply) => reply.code(404).type('text/plain').send('404 page not found\n'));
  const { host, port } = parseListenAddress(listenAddress);
  await app.listen({ host, port });
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr ? addr.port : port;
  const url = `${webConfig?.tlsEnabled ? 'https' : 'http'}://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${bound}`;
  log.info('Loki API listening', { address: url });
  return { app, url, close: () => app.close() };
}
