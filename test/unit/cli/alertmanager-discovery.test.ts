/** Alertmanagers from `alerting.alertmanagers`: static and file-discovered targets, relabeling, path prefix. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusConfig } from '../../../src/config/prometheus.js';
import { logger } from '../../../src/log.js';
import { AlertmanagerDiscovery, alertmanagersFromGroups } from '../../../src/cli/alertmanager-discovery.js';
import { alertsURL, type AlertmanagerTarget } from '../../../src/rules/notifier.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const urls = (ts: AlertmanagerTarget[]) => ts.map(alertsURL);

describe('Alertmanager discovery', () => {
  it('builds URLs from scheme, address and path prefix after relabel_configs, dropping and deduplicating', () => {
    const cfg = parsePrometheusConfig(
      'p.yml',
      `alerting:
  alertmanagers:
    - scheme: https
      path_prefix: /am/
      timeout: 3s
      authorization: { credentials: secret }
      static_configs:
        - targets: ['a:9093', 'b:9093', 'a:9093']
          labels: { env: prod }
        - targets: ['c:9093']
          labels: { env: dev }
      relabel_configs:
        - { source_labels: [env], regex: dev, action: drop }
        - { source_labels: [__address__], regex: 'b:9093', target_label: __alerts_path__, replacement: /other/api/v2/alerts }
`,
    );
    const am = cfg.alerting.alertmanagers[0]!;
    const targets = alertmanagersFromGroups(am, am.serviceDiscovery.staticConfigs);
    expect(urls(targets)).toEqual(['https://a:9093/am/api/v2/alerts', 'https://b:9093/other/api/v2/alerts']);
    expect(targets[0]).toMatchObject({ timeoutMs: 3000, headers: { authorization: 'Bearer secret' } });
  });

  it('follows file_sd_configs and reports the complete list on every change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lookout-am-sd-'));
    dirs.push(dir);
    const file = join(dir, 'am.json');
    writeFileSync(file, JSON.stringify([{ targets: ['127.0.0.1:9093'] }]));
    const cfg = parsePrometheusConfig(
      join(dir, 'p.yml'),
      `alerting:
  alertmanagers:
    - static_configs: [ { targets: ['static:9093'] } ]
    - file_sd_configs: [ { files: ['${file}'], refresh_interval: 1h } ]
`,
    );
    const seen: string[][] = [];
    const d = new AlertmanagerDiscovery((t) => seen.push(urls(t)), logger('test'));
    d.apply(cfg.alerting.alertmanagers);
    expect(seen).toEqual([['http://static:9093/api/v2/alerts', 'http://127.0.0.1:9093/api/v2/alerts']]);
    writeFileSync(file, JSON.stringify([{ targets: ['127.0.0.1:9094', '127.0.0.1:9095'] }]));
    for (let i = 0; i < 200 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 25));
    expect(seen.at(-1)).toEqual(['http://static:9093/api/v2/alerts', 'http://127.0.0.1:9094/api/v2/alerts', 'http://127.0.0.1:9095/api/v2/alerts']);
    d.apply([]);
    expect(seen.at(-1)).toEqual([]);
    d.stop();
  });
});
