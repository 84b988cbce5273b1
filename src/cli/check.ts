/**
 * `lookout check config|rules|alertmanager FILE...`: validates files as `promtool check config`,
 * `promtool check rules` and `amtool check-config` do, printing `SUCCESS`/`FAILED` per file with
 * file:line errors. Returns the process exit code (0 all valid, 1 otherwise).
 */
import { loadNotificationTemplates } from '../alertmanager/template.js';
import { loadAlertmanagerConfig } from '../config/alertmanager.js';
import { loadPrometheusConfig } from '../config/prometheus.js';
import { expandRuleFiles, loadRuleFile } from '../config/rules.js';
import { goQuote } from '../model/goquote.js';
import { assertSupportedDiscovery } from '../scrape/unsupported.js';

type Out = (line: string) => void;

function checkRuleFile(file: string, out: Out): boolean {
  out(`Checking ${file}`);
  try {
    const groups = loadRuleFile(file);
    const n = groups.reduce((sum, g) => sum + g.rules.length, 0);
    out(`  SUCCESS: ${n} rules found`);
    out('');
    return true;
  } catch (e) {
    out(`  FAILED:\n${(e as Error).message}`);
    out('');
    return false;
  }
}

/**
 * `check config`: each prometheus.yml and the rule files it names. As promtool, a `rule_files`
 * entry without `*` that names no existing file fails the check.
 */
export function checkConfig(files: string[], out: Out): number {
  let ok = true;
  for (const file of files) {
    out(`Checking ${file}`);
    let ruleFiles: string[] = [];
    try {
      const cfg = loadPrometheusConfig(file);
      assertSupportedDiscovery(cfg);
      for (const pattern of cfg.ruleFiles) {
        const expanded = expandRuleFiles([pattern]);
        if (expanded.missing.length > 0) throw new Error(`${goQuote(pattern)} does not point to an existing file`);
        ruleFiles.push(...expanded.files);
      }
      if (ruleFiles.length > 0) out(`  SUCCESS: ${ruleFiles.length} rule files found`);
      out(` SUCCESS: ${file} is valid prometheus config file syntax`);
      out('');
    } catch (e) {
      out(`  FAILED: ${(e as Error).message}`);
      out('');
      ok = false;
      ruleFiles = [];
    }
    for (const rf of ruleFiles) ok = checkRuleFile(rf, out) && ok;
  }
  return ok ? 0 : 1;
}

/** `check rules`: each rule file. */
export function checkRules(files: string[], out: Out): number {
  let ok = true;
  for (const file of files) ok = checkRuleFile(file, out) && ok;
  return ok ? 0 : 1;
}

/**
 * `check alertmanager`: each alertmanager.yml, as `amtool check-config`: the config, then its
 * notification templates (parsed as the Alertmanager does on load).
 */
export function checkAlertmanager(files: string[], out: Out): number {
  let ok = true;
  for (const file of files) {
    try {
      const cfg = loadAlertmanagerConfig(file);
      out(`Checking '${file}'  SUCCESS`);
      out('Found:');
      out(' - global config');
      out(' - route');
      out(` - ${cfg.inhibit_rules.length} inhibit rules`);
      out(` - ${cfg.receivers.length} receivers`);
      out(` - ${cfg.templates.length} templates`);
      if (cfg.templates.length > 0) {
        try {
          loadNotificationTemplates(cfg, file, '');
          out('  SUCCESS');
        } catch (e) {
          out(`  FAILED: ${(e as Error).message}`);
          ok = false;
        }
      }
      out('');
    } catch (e) {
      out(`Checking '${file}'  FAILED: ${(e as Error).message}`);
      out('');
      ok = false;
    }
  }
  return ok ? 0 : 1;
}
