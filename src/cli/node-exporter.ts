/**
 * `lookout node-exporter`: the host collector alone, as node_exporter (`/metrics` on `:9100`),
 * with node_exporter's flag names.
 */
import type { Server } from 'node:http';
import Fastify from 'fastify';
import { DEFAULT_FS_TYPES_EXCLUDE, DEFAULT_MOUNT_POINTS_EXCLUDE, DEFAULT_NETSTAT_FIELDS, DEFAULT_VMSTAT_FIELDS, HostCollector } from '../hostmetrics/index.js';
import { logger } from '../log.js';
import { MAX_HEADER_BYTES, NO_SCHEMA_COMPILERS, parseListenAddress } from '../web/server.js';
import { webConfigFromFlag } from '../web/web-config-guard.js';
import { bool, str, type FlagSpecs, type ParsedFlags } from './flags.js';

export const NODE_EXPORTER_FLAGS: FlagSpecs = {
  'web.listen-address': { default: ':9100', help: 'Address on which to expose metrics and web interface.' },
  'web.telemetry-path': { default: '/metrics', help: 'Path under which to expose metrics.' },
  'web.config.file': { default: '', help: '[EXPERIMENTAL] Path to configuration file that can enable TLS or authentication.' },
  'path.procfs': { default: '/proc', help: 'procfs mountpoint.' },
  'path.sysfs': { default: '/sys', help: 'sysfs mountpoint.' },
  'path.rootfs': { default: '/', help: 'rootfs mountpoint.' },
  'collector.filesystem.mount-points-exclude': { default: DEFAULT_MOUNT_POINTS_EXCLUDE, help: 'Regexp of mount points to exclude for filesystem collector.' },
  'collector.filesystem.fs-types-exclude': { default: DEFAULT_FS_TYPES_EXCLUDE, help: 'Regexp of filesystem types to exclude for filesystem collector.' },
  'collector.netdev.netlink': { default: true, help: 'Use netlink to gather stats instead of /proc/net/dev (here: adds receive_nohandler from sysfs).' },
  'collector.netstat.fields': { default: DEFAULT_NETSTAT_FIELDS, help: 'Regexp of fields to return for netstat collector.' },
  'collector.vmstat.fields': { default: DEFAULT_VMSTAT_FIELDS, help: 'Regexp of fields to return for vmstat collector.' },
  'collector.textfile.directory': { default: '', help: 'Directory to read text files with metrics from.' },
  'collector.netclass.ignored-devices': { default: '^$', help: 'Regexp of net devices to ignore for netclass collector.' },
  'collector.netclass.ignore-invalid-speed': { default: false, help: 'Ignore devices where the speed is invalid.' },
};

/** Serves host metrics until SIGINT/SIGTERM. */
export async function runNodeExporter(flags: ParsedFlags): Promise<void> {
  const collector = new HostCollector({
    procfs: str(flags, 'path.procfs'),
    sysfs: str(flags, 'path.sysfs'),
    rootfs: str(flags, 'path.rootfs'),
    mountPointsExclude: str(flags, 'collector.filesystem.mount-points-exclude'),
    fsTypesExclude: str(flags, 'collector.filesystem.fs-types-exclude'),
    netdevNetlink: bool(flags, 'collector.netdev.netlink'),
    netstatFields: str(flags, 'collector.netstat.fields'),
    vmstatFields: str(flags, 'collector.vmstat.fields'),
    textfileDirectory: str(flags, 'collector.textfile.directory'),
    netclassIgnoredDevices: str(flags, 'collector.netclass.ignored-devices'),
    netclassIgnoreInvalidSpeed: bool(flags, 'collector.netclass.ignore-invalid-speed'),
    processMetrics: true,
  });
  const webConfig = webConfigFromFlag(str(flags, 'web.config.file'));
  const app = Fastify({
    logger: false,
    schemaController: NO_SCHEMA_COMPILERS,
    ...(webConfig ? { serverFactory: (handler: Parameters<typeof webConfig.createServer>[0]) => webConfig.createServer(handler, MAX_HEADER_BYTES) as Server } : {}),
  });
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
