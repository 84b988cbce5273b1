/**
 * Discovery mechanisms Lookout validates but does not run make `lookout check config` fail (and the
 * server refuse the config) with a message naming each use, instead of silently scraping nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfig } from '../../../src/cli/check.js';
import { loadPrometheusConfig } from '../../../src/config/prometheus.js';
import { assertSupportedDiscovery, unsupportedDiscovery, UnsupportedDiscoveryError } from '../../../src/scrape/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lookout-sd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const UNSUPPORTED = `scrape_configs:
  - job_name: pods
    kubernetes_sd_configs:
      - role: pod
  - job_name: static
    static_configs:
      - targets: ['127.0.0.1:9100']
  - job_name: services
    consul_sd_configs:
      - server: 'localhost:8500'
    dns_sd_configs:
      - names: ['_prometheus._tcp.example.org']
alerting:
  alertmanagers:
    - ec2_sd_configs:
        - region: eu-west-1
`;

const SUPPORTED = `scrape_configs:
  - job_name: files
    file_sd_configs:
      - files: ['${dir}/targets/*.json']
  - job_name: http
    http_sd_configs:
      - url: 'http://127.0.0.1:1/sd'
    static_configs:
      - targets: ['127.0.0.1:9100']
`;

describe('unsupported service discovery', () => {
  it('lists every use of a mechanism Lookout does not run, in config order', () => {
    expect(unsupportedDiscovery(loadPrometheusConfig(file('u.yml', UNSUPPORTED)))).toEqual([
      'scrape_configs[job="pods"]: kubernetes_sd_configs',
      'scrape_configs[job="services"]: consul_sd_configs',
      'scrape_configs[job="services"]: dns_sd_configs',
      'alerting.alertmanagers[0]: ec2_sd_configs',
    ]);
    expect(unsupportedDiscovery(loadPrometheusConfig(file('s.yml', SUPPORTED)))).toEqual([]);
  });

  it('assertSupportedDiscovery throws a message saying "not supported"', () => {
    const cfg = loadPrometheusConfig(file('u2.yml', UNSUPPORTED));
    expect(() => assertSupportedDiscovery(cfg)).toThrow(UnsupportedDiscoveryError);
    expect(() => assertSupportedDiscovery(cfg)).toThrow(
      'service discovery is not supported by Lookout (only static, file and http): scrape_configs[job="pods"]: kubernetes_sd_configs, ',
    );
    expect(() => assertSupportedDiscovery(loadPrometheusConfig(file('s2.yml', SUPPORTED)))).not.toThrow();
  });

  it('lookout check config exits 1 naming the mechanism, and 0 for static, file and http discovery', () => {
    const lines: string[] = [];
    const path = file('u3.yml', UNSUPPORTED);
    expect(checkConfig([path], (l) => lines.push(l))).toBe(1);
    expect(lines[0]).toBe(`Checking ${path}`);
    expect(lines[1]).toMatch(/^ {2}FAILED: service discovery is not supported by Lookout \(only static, file and http\): scrape_configs\[job="pods"\]: kubernetes_sd_configs/);
    expect(checkConfig([file('s3.yml', SUPPORTED)], () => undefined)).toBe(0);
  });
});
