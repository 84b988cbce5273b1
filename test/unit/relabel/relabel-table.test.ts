/**
 * Table-driven relabeling tests (rows in cases.ts): each row's YAML rules are parsed as a
 * `relabel_configs` list and applied to its input.
 */
import { describe, expect, it } from 'vitest';
import { parseRelabelConfigs } from '../../../src/config/relabel.js';
import { loadYaml } from '../../../src/config/yaml.js';
import { applyRules, RELABEL_CASES } from './cases.js';

describe('relabeling table', () => {
  it('covers every action', () => {
    const actions = new Set<string>();
    for (const c of RELABEL_CASES) {
      for (const r of parseRelabelConfigs(loadYaml('relabel.yml', c.rules), 'empty', 'legacy')) actions.add(r.action);
    }
    expect([...actions].sort()).toEqual(['drop', 'dropequal', 'hashmod', 'keep', 'keepequal', 'labeldrop', 'labelkeep', 'labelmap', 'lowercase', 'replace', 'uppercase']);
  });

  it.each(RELABEL_CASES)('$name', (c) => {
    expect(applyRules(c.input, c.rules)).toEqual(c.output);
  });
});
