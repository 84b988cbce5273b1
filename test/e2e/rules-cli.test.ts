/**
 * The rules commands through the built `lookout` binary: `test rules`, `slo generate` (its output
 * also accepted by the real `promtool check rules`) and `backtest rules`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSloFile } from '../../src/rules/slo/config.js';
import { sloRulesYaml } from '../../src/rules/slo/generate.js';
import { haveProgram, LOOKOUT_BIN, ROOT } from '../support/processes.js';
import { SHARED } from '../support/shared.js';

function lookout(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [LOOKOUT_BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('rules commands', () => {
  it('runs rule unit tests', () => {
    const file = join(SHARED, 'conformance', 'promtool', 'long-period.yml');
    expect(lookout('test', 'rules', file)).toEqual({ code: 0, out: `Unit Testing:  ${file}\n  SUCCESS\n\n`, err: '' });
    expect(lookout('test', 'rules', '--run=[', file)).toEqual({
      code: 1,
      out: '',
      err: 'lookout: error: --run: error parsing regexp: missing closing ]: `[`, try --help\n',
    });
  });

  it('prints the rules generated from an SLO file', () => {
    const file = join(ROOT, 'config', 'slos.yml');
    const r = lookout('slo', 'generate', file);
    expect(r.code).toBe(0);
    expect(r.out).toBe(sloRulesYaml(loadSloFile(file)));
    if (haveProgram('/usr/bin/promtool')) {
      const d = mkdtempSync(join(tmpdir(), 'lookout-slo-cli-'));
      writeFileSync(join(d, 'slo-rules.yml'), r.out);
      const check = spawnSync('/usr/bin/promtool', ['check', 'rules', join(d, 'slo-rules.yml')], { encoding: 'utf8' });
      expect(check.stdout).toContain('SUCCESS: 12 rules found');
    }
    expect(lookout('slo', 'generate').err).toBe('lookout: error: expected lookout slo generate FILE, try --help\n');
  });

  it('explains backtest rules and refuses it without a history source', () => {
    expect(lookout('backtest', 'rules', '--help').out).toContain('usage: lookout backtest rules [<flags>] FILE...');
    expect(lookout('backtest', 'rules', 'config/alerts.yml', '--from=0')).toEqual({
      code: 1,
      out: '',
      err: 'lookout: error: exactly one of --url and --storage.tsdb.path is required, try --help\n',
    });
  });
});
