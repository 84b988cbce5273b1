/**
 * The Alertmanagers of `alerting.alertmanagers`, as Prometheus's notifier finds them: every entry's
 * `static_configs`, `file_sd_configs` and `http_sd_configs` give target groups; each target gets
 * `__scheme__` and `__alerts_path__` (`<path_prefix>/api/v2/alerts`), goes through the entry's
 * `relabel_configs` (a target they drop is not used), and becomes `<__scheme__>://<__address__><__alerts_path__>`.
 * The entry's timeout, HTTP headers and `alert_relabel_configs` apply to all of its Alertmanagers.
 */
import type { AlertmanagerConfig } from '../config/prometheus.js';
import { readSecretOrEmpty, requestHeaders } from '../config/prometheus/http.js';
import type { TargetGroup } from '../config/prometheus/sd.js';
import { relabel } from '../config/relabel.js';
import type { Logger } from '../log.js';
import { fromObject, toObject } from '../model/labels.js';
import { FileDiscovery } from '../scrape/discovery/file.js';
import { HTTPDiscovery } from '../scrape/discovery/http.js';
import type { DiscoveryProvider } from '../scrape/discovery/provider.js';
import { createScrapeMetrics } from '../scrape/metrics.js';
import type { AlertmanagerTarget } from '../rules/notifier.js';

const API_PATH = '/api/v2/alerts';

/**
 * The Alertmanagers one entry's target groups give, in group order, without duplicates.
 * Follows upstream `AlertmanagerFromGroup`.
 */
export function alertmanagersFromGroups(cfg: AlertmanagerConfig, groups: readonly TargetGroup[]): AlertmanagerTarget[] {
  const prefix = `/${cfg.pathPrefix}`.replace(/\/+/g, '/').replace(/\/$/, '');
  const headers = requestHeaders(cfg.httpClientConfig, readSecretOrEmpty);
  const out: AlertmanagerTarget[] = [];
  const seen = new Set<string>();
  for (const g of groups) {
    for (const t of g.targets) {
      const ls = relabel(fromObject({ ...g.labels, ...t, __scheme__: cfg.scheme, __alerts_path__: prefix + API_PATH }), cfg.relabelConfigs);
      if (!ls) continue;
      const l = toObject(ls);
      if (!l.__address__) continue;
      const path = l.__alerts_path__ ?? API_PATH;
      const base = `${l.__scheme__ || 'http'}://${l.__address__}`;
      if (seen.has(base + path)) continue;
      seen.add(base + path);
      out.push({
        url: base,
        pathPrefix: path.endsWith(API_PATH) ? path.slice(0, -API_PATH.length) : path,
        timeoutMs: cfg.timeoutMs,
        headers,
        alertRelabelConfigs: cfg.alertRelabelConfigs,
      });
    }
  }
  return out;
}

/**
 * Runs the discovery of every `alerting.alertmanagers` entry and reports the complete list of
 * Alertmanagers each time it changes (and once at {@link apply}).
 */
export class AlertmanagerDiscovery {
  private providers: DiscoveryProvider[] = [];
  private readonly metrics = createScrapeMetrics();

  /** @param onTargets receives every Alertmanager found, in config order */
  constructor(
    private readonly onTargets: (targets: AlertmanagerTarget[]) => void,
    private readonly log: Logger,
  ) {}

  /** Replaces the configuration: stops the previous discovery and starts the new one. */
  apply(cfgs: readonly AlertmanagerConfig[]): void {
    this.stop();
    const groups: TargetGroup[][][] = cfgs.map((c) => [c.serviceDiscovery.staticConfigs]);
    let starting = true;
    const emit = () => {
      if (!starting) this.onTargets(cfgs.flatMap((c, i) => alertmanagersFromGroups(c, groups[i]!.flat())));
    };
    cfgs.forEach((c, i) => {
      const sd = c.serviceDiscovery;
      const slot = (make: (update: (g: TargetGroup[]) => void) => DiscoveryProvider) => {
        const idx = groups[i]!.push([]) - 1;
        this.providers.push(
          make((g) => {
            groups[i]![idx] = g;
            emit();
          }),
        );
      };
      const log = this.log.with({ alertmanagers: `config-${i}` });
      for (const f of sd.fileSdConfigs) slot((u) => new FileDiscovery(f, u, log.with({ discovery: 'file' }), this.metrics));
      for (const h of sd.httpSdConfigs) slot((u) => new HTTPDiscovery(h, u, log.with({ discovery: 'http' }), this.metrics, 'Lookout'));
    });
    for (const p of this.providers) p.start();
    starting = false;
    emit();
  }

  /** Stops every discovery mechanism. */
  stop(): void {
    for (const p of this.providers) p.stop();
    this.providers = [];
  }
}
