/**
 * Refusing configs whose targets would silently be missing: Lookout parses and validates every
 * upstream service discovery mechanism, but runs only `static_configs`, `file_sd_configs` and
 * `http_sd_configs`. `lookout check config` and the server (at start and on reload) call
 * {@link assertSupportedDiscovery} so a config using another mechanism fails loudly.
 */
import type { PrometheusConfig } from '../config/prometheus.js';

/** A config uses discovery mechanisms Lookout does not run; the message names each use. */
export class UnsupportedDiscoveryError extends Error {
  override name = 'UnsupportedDiscoveryError';
}

/**
 * Every use of a discovery mechanism Lookout does not run, e.g.
 * `scrape_configs[job="k8s"]: kubernetes_sd_configs`, in config order.
 */
export function unsupportedDiscovery(cfg: PrometheusConfig): string[] {
  const out: string[] = [];
  for (const sc of cfg.scrapeConfigs) {
    for (const name of sc.serviceDiscovery.unsupported) out.push(`scrape_configs[job=${JSON.stringify(sc.jobName)}]: ${name}_sd_configs`);
  }
  cfg.alerting.alertmanagers.forEach((am, i) => {
    for (const name of am.serviceDiscovery.unsupported) out.push(`alerting.alertmanagers[${i}]: ${name}_sd_configs`);
  });
  return out;
}

/**
 * @throws {UnsupportedDiscoveryError} `service discovery is not supported by Lookout (only static,
 *   file and http): <use>, <use>…` when the config uses any other mechanism
 */
export function assertSupportedDiscovery(cfg: PrometheusConfig): void {
  const uses = unsupportedDiscovery(cfg);
  if (uses.length > 0) throw new UnsupportedDiscoveryError(`service discovery is not supported by Lookout (only static, file and http): ${uses.join(', ')}`);
}
