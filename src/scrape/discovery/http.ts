/**
 * HTTP service discovery (`http_sd_configs`), as upstream `discovery/http`: GETs a JSON list of
 * target groups at start and every `refresh_interval`; each group gets `__meta_url`. A failed
 * refresh keeps the previous groups and counts `prometheus_sd_http_failures_total`.
 */
import type { Logger } from '../../log.js';
import type { HTTPSDConfig, TargetGroup } from '../../config/prometheus.js';
import { HttpClient } from '../http.js';
import type { ScrapeMetrics } from '../metrics.js';
import type { DiscoveryProvider } from './provider.js';
import { parseTargetGroupsJSON } from './targetgroups.js';

const JSON_CONTENT_TYPE = /^application\/json(;\s*charset=("utf-8"|utf-8))?$/i;

/** Discovery over one `http_sd_configs` entry. */
export class HTTPDiscovery implements DiscoveryProvider {
  private readonly client: HttpClient;
  private timer: NodeJS.Timeout | null = null;
  private readonly abort = new AbortController();
  private lastEmitted = '';

  constructor(
    private readonly cfg: HTTPSDConfig,
    private readonly onUpdate: (groups: TargetGroup[]) => void,
    private readonly log: Logger,
    private readonly metrics: ScrapeMetrics,
    private readonly userAgent: string,
  ) {
    this.client = new HttpClient(cfg.httpClientConfig);
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.cfg.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    this.client.close();
  }

  /** Fetches the groups once; errors are logged and counted. */
  async refresh(): Promise<void> {
    try {
      const res = await this.client.get(this.cfg.url, {
        timeoutMs: this.cfg.refreshIntervalMs,
        headers: {
          accept: 'application/json',
          'user-agent': this.userAgent,
          'x-prometheus-refresh-interval-seconds': String(this.cfg.refreshIntervalMs / 1000),
        },
        require200: true,
        signal: this.abort.signal,
      });
      if (!JSON_CONTENT_TYPE.test(res.contentType)) throw new Error(`unsupported content type ${JSON.stringify(res.contentType)}`);
      const groups = parseTargetGroupsJSON(res.body.toString('utf8'), this.cfg.url);
      for (const g of groups) g.labels.__meta_url = this.cfg.url;
      const fingerprint = JSON.stringify(groups);
      if (this.abort.signal.aborted || fingerprint === this.lastEmitted) return;
      this.lastEmitted = fingerprint;
      this.onUpdate(groups);
    } catch (e) {
      if (this.abort.signal.aborted) return;
      this.metrics.httpSdFailures.inc();
      this.log.error('Unable to refresh target groups', { url: this.cfg.url, err: e as Error });
    }
  }
}
