import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromObject, toObject } from '../../../src/model/labels.js';
import { hashmod, makeRelabelConfig, relabel, type RelabelConfig } from '../../../src/scrape/index.js';
import { parseRelabelConfigs } from '../../../src/config/relabel.js';
import { loadYaml } from '../../../src/config/yaml.js';

function run(input: Record<string, string>, cfgs: RelabelConfig[]): Record<string, string> | null {
  const out = relabel(fromObject(input), cfgs);
  return out === null ? null : toObject(out);
}

function yamlRules(text: string): RelabelConfig[] {
  return parseRelabelConfigs(loadYaml('rules.yml', text), 'empty', 'utf8');
}

describe('relabel actions', () => {
  it('replace with the default regex copies the joined source values', () => {
    const cfg = makeRelabelConfig({ sourceLabels: ['a', 'b'], targetLabel: 'c' });
    expect(run({ a: 'x', b: 'y' }, [cfg])).toEqual({ a: 'x', b: 'y', c: 'x;y' });
  });

  it('replace expands $1, ${1} and named groups in target and replacement', () => {
    const rules = yamlRules(`
- source_labels: [a]
  regex: '(?P<first>[a-z]+)-(\\d+)'
  target_label: 'x_\${2}'
  replacement: '$first.$2'
`);
    expect(run({ a: 'foo-42' }, rules)).toEqual({ a: 'foo-42', x_42: 'foo.42' });
  });

  it('replace leaves the label set alone when the anchored regex does not match the whole value', () => {
    const cfg = makeRelabelConfig({ sourceLabels: ['a'], regex: 'vw-([0-9]+)-', targetLabel: 'n' });
    expect(run({ a: 'vw-2000007201-sfvw' }, [cfg])).toEqual({ a: 'vw-2000007201-sfvw' });
    const cfg2 = makeRelabelConfig({ sourceLabels: ['a'], regex: 'vw-([0-9]+)-.*', targetLabel: 'n' });
    expect(run({ a: 'vw-2000007201-sfvw' }, [cfg2])).toEqual({ a: 'vw-2000007201-sfvw', n: '2000007201' });
  });

  it('replace with an empty result deletes the target label', () => {
    const cfg = makeRelabelConfig({ sourceLabels: ['a'], regex: '(.*)', targetLabel: 'b', replacement: '' });
    expect(run({ a: 'x', b: 'old' }, [cfg])).toEqual({ a: 'x' });
  });

  it('replace skips targets that expand to an invalid label name', () => {
    const cfg = makeRelabelConfig({ sourceLabels: ['a'], regex: '(.*)', targetLabel: '$1', nameValidationScheme: 'legacy' });
    expect(run({ a: '1bad' }, [cfg])).toEqual({ a: '1bad' });
  });

  it('case 09 B: a rule with only target_label and replacement sets a constant label', () => {
    const rules = yamlRules('- target_label: env\n  replacement: prod\n');
    expect(run({ __address__: 'h:1' }, rules)).toEqual({ __address__: 'h:1', env: 'prod' });
  });

  it('keep and drop match the anchored regex against the joined value', () => {
    const keep = makeRelabelConfig({ action: 'keep', sourceLabels: ['a', 'b'], regex: 'x;y' });
    expect(run({ a: 'x', b: 'y' }, [keep])).toEqual({ a: 'x', b: 'y' });
    expect(run({ a: 'x', b: 'yy' }, [keep])).toBeNull();
    const drop = makeRelabelConfig({ action: 'drop', sourceLabels: ['a'], regex: 'x.*' });
    expect(run({ a: 'xyz' }, [drop])).toBeNull();
    expect(run({ a: 'axyz' }, [drop])).toEqual({ a: 'axyz' });
  });

  it('regexes match newlines with .', () => {
    const keep = makeRelabelConfig({ action: 'keep', sourceLabels: ['a'], regex: 'foo.bar' });
    expect(run({ a: 'foo\nbar' }, [keep])).toEqual({ a: 'foo\nbar' });
  });

  it('keepequal and dropequal compare the joined value with the target label', () => {
    const ke = makeRelabelConfig({ action: 'keepequal', sourceLabels: ['a'], targetLabel: 'b' });
    expect(run({ a: '1', b: '1' }, [ke])).toEqual({ a: '1', b: '1' });
    expect(run({ a: '1', b: '2' }, [ke])).toBeNull();
    const de = makeRelabelConfig({ action: 'dropequal', sourceLabels: ['a'], targetLabel: 'b' });
    expect(run({ a: '1', b: '1' }, [de])).toBeNull();
    expect(run({ a: '1', b: '2' }, [de])).toEqual({ a: '1', b: '2' });
  });

  it('hashmod gives the same values as upstream (md5, last 8 bytes big-endian, mod)', () => {
    // Expected values from Prometheus's model/relabel tests.
    expect(hashmod('baz', 1000)).toBe('976');
    expect(hashmod('foo\nbar', 1000)).toBe('734');
    const cfg = makeRelabelConfig({ action: 'hashmod', sourceLabels: ['c'], targetLabel: 'd', modulus: 1000 });
    expect(run({ a: 'foo', b: 'bar', c: 'baz' }, [cfg])).toEqual({ a: 'foo', b: 'bar', c: 'baz', d: '976' });
  });

  it('hashmod handles a modulus above 2^53 exactly', () => {
    const v = BigInt(hashmod('x', 2 ** 60));
    expect(v < 2n ** 60n).toBe(true);
    expect(v).toBe(BigInt(hashmod('x', 2 ** 62)) % 2n ** 60n);
  });

  it('labelmap copies matching label names through the replacement', () => {
    const cfg = makeRelabelConfig({ action: 'labelmap', regex: '(b.*)', replacement: 'bar_${1}' });
    expect(run({ a: 'foo', b1: 'bar', b2: 'baz' }, [cfg])).toEqual({ a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' });
    const meta = makeRelabelConfig({ action: 'labelmap', regex: '__meta_kv_(.+)' });
    expect(run({ __meta_kv_team: 'a', x: '1' }, [meta])).toEqual({ __meta_kv_team: 'a', team: 'a', x: '1' });
  });

  it('labeldrop and labelkeep filter label names by the anchored regex', () => {
    const drop = makeRelabelConfig({ action: 'labeldrop', regex: 'b.*' });
    expect(run({ a: '1', b1: '2', ab: '3' }, [drop])).toEqual({ a: '1', ab: '3' });
    const keep = makeRelabelConfig({ action: 'labelkeep', regex: 'a|__name__' });
    expect(run({ __name__: 'm', a: '1', b: '2' }, [keep])).toEqual({ __name__: 'm', a: '1' });
  });

  it('lowercase and uppercase write the transformed joined value', () => {
    const lo = makeRelabelConfig({ action: 'lowercase', sourceLabels: ['a', 'b'], targetLabel: 'c' });
    expect(run({ a: 'AbC', b: 'DéF' }, [lo])).toEqual({ a: 'AbC', b: 'DéF', c: 'abc;déf' });
    const up = makeRelabelConfig({ action: 'uppercase', sourceLabels: ['a'], targetLabel: 'a' });
    expect(run({ a: 'foo' }, [up])).toEqual({ a: 'FOO' });
  });

  it('applies rules in order and stops at the first drop', () => {
    const rules = yamlRules(`
- source_labels: [a]
  target_label: b
- source_labels: [b]
  regex: keep-me
  action: keep
- target_label: never
  replacement: set
`);
    expect(run({ a: 'x' }, rules)).toBeNull();
    expect(run({ a: 'keep-me' }, rules)).toEqual({ a: 'keep-me', b: 'keep-me', never: 'set' });
  });

  it('does not modify its input', () => {
    const input = fromObject({ a: '1' });
    relabel(input, [makeRelabelConfig({ targetLabel: 'b', replacement: 'x' })]);
    expect(input).toEqual(['a', '1']);
  });
});

describe('relabel properties', () => {
  const labelSet = fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_]{0,6}$/), fc.string({ minLength: 1, maxLength: 8 }), { maxKeys: 6 });

  it('no rules and labelkeep .* are the identity', () => {
    fc.assert(
      fc.property(labelSet, (ls) => {
        expect(run(ls, [])).toEqual(ls);
        expect(run(ls, [makeRelabelConfig({ action: 'labelkeep', regex: '.*' })])).toEqual(ls);
      }),
    );
  });

  it('hashmod always yields a value in [0, modulus)', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 1_000_000 }), (v, m) => {
        const h = Number(hashmod(v, m));
        expect(Number.isInteger(h) && h >= 0 && h < m).toBe(true);
      }),
    );
  });

  it('keep then drop with the same regex drops everything', () => {
    fc.assert(
      fc.property(labelSet, fc.constantFrom('.*', 'a.*', '[a-z]+', 'x|y', '', '(.+);(.*)'), (ls, re) => {
        const keep = makeRelabelConfig({ action: 'keep', sourceLabels: Object.keys(ls), regex: re });
        const drop = makeRelabelConfig({ action: 'drop', sourceLabels: Object.keys(ls), regex: re });
        expect(run(ls, [keep, drop])).toBeNull();
      }),
    );
  });
});
