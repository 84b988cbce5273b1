/**
 * Upstream's prometheus.yml loader cases (`/work/shared/conformance/prometheus-config`): every
 * `*.good.yml` must load and every `*.bad.yml` must be refused. No case is skipped: the service
 * discovery mechanisms Lookout does not run are still parsed and validated.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/yaml.js';
import { loadPrometheusConfig } from '../../../src/config/prometheus.js';
import { SHARED } from '../../support/shared.js';

const DIR = `${SHARED}/conformance/prometheus-config`;
/** Cases that would be skipped, with the reason. Kept empty: every case gives upstream's answer. */
const SKIPPED: Record<string, string> = {};

const files = readdirSync(DIR).sort();
const good = files.filter((f) => f.endsWith('.good.yml') && !(f in SKIPPED));
const bad = files.filter((f) => f.endsWith('.bad.yml') && !(f in SKIPPED));

describe('prometheus-config conformance corpus', () => {
  const savedTest = process.env.TEST;
  beforeAll(() => {
    process.env.TEST = 'TestValue';
  });
  afterAll(() => {
    if (savedTest === undefined) delete process.env.TEST;
    else process.env.TEST = savedTest;
  });

  it('has the expected number of cases', () => {
    expect(good.length).toBe(54);
    expect(bad.length).toBe(147);
  });

  it.each(good)('%s loads', (f) => {
    expect(() => loadPrometheusConfig(join(DIR, f))).not.toThrow();
  });

  it.each(bad)('%s is refused with a located ConfigError', (f) => {
    let err: unknown;
    try {
      loadPrometheusConfig(join(DIR, f));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const ce = err as ConfigError;
    expect(ce.line).toBeGreaterThan(0);
    expect(ce.message.startsWith(`${ce.file}:${ce.line}:${ce.column}: `)).toBe(true);
  });

  it('refuses Alertmanager api_version v1 (config_with_deprecated_am_api_config.yml)', () => {
    expect(() => loadPrometheusConfig(join(DIR, 'config_with_deprecated_am_api_config.yml'))).toThrow(
      'expected Alertmanager api version to be one of [v2] but got v1',
    );
  });

  it('refuses a non-UTF-8 OTLP translation strategy with legacy name validation', () => {
    for (const f of ['otlp_allow_utf8.incompatible.yml', 'otlp_no_translation.incompatible.yml']) {
      expect(() => loadPrometheusConfig(join(DIR, f))).toThrow('is not allowed when UTF8 is disabled');
    }
  });

  it.each([
    ['scrape_config_default_validation_mode.yml', 'utf8', 'allow-utf-8'],
    ['scrape_config_global_validation_mode.yml', 'legacy', 'dots'],
    ['scrape_config_local_validation_mode.yml', 'legacy', 'values'],
    ['scrape_config_local_global_validation_mode.yml', 'utf8', 'dots'],
    ['scrape_config_local_infer_escaping.yml', 'legacy', 'underscores'],
  ])('%s resolves name validation %s and escaping %s', (f, scheme, escaping) => {
    const sc = loadPrometheusConfig(join(DIR, f)).scrapeConfigs[0]!;
    expect(sc.metricNameValidationScheme).toBe(scheme);
    expect(sc.metricNameEscapingScheme).toBe(escaping);
  });
});
