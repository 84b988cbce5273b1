/**
 * `lookout node-exporter`: the host collector alone, as node_exporter (`/metrics` on `:9100`),
 * with node_exporter's flag names.
 */
import Fastify from 'fastify';
import { HostCollector } from '../hostmetrics/index.js';
import { logger } from '../log.js';
import { parseListenAddress } from '../web/server.js';
import { str, type FlagSpecs, type ParsedFlags } from './flags.js';

export const NODE_EXPORTER_FLAGS: FlagSpecs = {
  'web.listen-address': { default: ':9100', help: 'Address on which to expose metrics and web interface.' },
  'web.telemetry-path': { default: '/metrics', help: 'Path under which to expose metrics.' },
  'path.procfs': { default: '/proc', help: 'procfs mountpoint.' },
  'path.sysfs': { default: '/sys', help: 'sysfs mountpoint.' },
  'path.rootfs': { default: '/', help: 'rootfs mountpoint.' },
};

/** Serves host metrics until SIGINT/SIGTERM. */
export async function runNodeExporter(flags: ParsedFlags): Promise<void> {
  const collector = new HostCollector({
    procfs: str(flags, 'path.procfs'),
    sysfs: str(flags, 'path.sysfs'),
    rootfs: str(flags, 'path.rootfs'),
  });
  const app = Fastify({ logger: false });
  const path = str(flags, 'web.telemetry-path');
  app.get(path, async (_req, reply) => reply.type('text/plain; version=0.0.4; charset=utf-8').send(await collector.collect()));
  app.get('/', (_req, reply) => reply.type('text/html').send(`<html><body><h1>Node Exporter</h1><a href="${path}">Metrics</a></body></html>`));
  const { host, port } = parseListenAddress(str(flags, 'web.listen-address'));
  await app.listen({ host, port });
  logger('node-exporter').info('Listening on', { address: `${host}:${port}` });
  await new Promise<void>((done) => {
    const stop = () => void app.close().then(done);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
