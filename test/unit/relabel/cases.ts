/**
 * Relabeling cases, one row per behaviour: every action, and the tricky cases (empty regex, missing
 * source labels, separators, hashmod moduli, labelmap with `$1`, `$1x` vs `${1}x`, anchoring,
 * empty results deleting labels). Each row's rules are YAML as a user writes them under
 * `relabel_configs`; `output` is the label set after the rules (`null`: dropped).
 *
 * Every row keeps `__address__` in its output, so the same rows can be replayed through a real
 * Prometheus as target relabeling (relabel-prometheus.test.ts).
 */

import { parseRelabelConfigs } from '../../../src/config/relabel.js';
import { loadYaml } from '../../../src/config/yaml.js';
import { fromObject, toObject } from '../../../src/model/labels.js';
import { relabel } from '../../../src/scrape/index.js';

/** One relabeling case. */
export interface RelabelCase {
  name: string;
  input: Record<string, string>;
  /** The `relabel_configs` list, as YAML. */
  rules: string;
  /** The label set after relabeling, or null when a rule drops it. */
  output: Record<string, string> | null;
  /**
   * Where Prometheus 2.42 differs from 3.x (whose behaviour Lookout follows): its output for the
   * same input, and why.
   */
  prometheus2?: { output: Record<string, string> | null; why: string };
}

const A = { __address__: 'h:1' };

export const RELABEL_CASES: RelabelCase[] = [
  // replace
  {
    name: 'replace: default regex copies the joined source values',
    input: { ...A, a: 'x', b: 'y' },
    rules: '- source_labels: [a, b]\n  target_label: c',
    output: { ...A, a: 'x', b: 'y', c: 'x;y' },
  },
  {
    name: 'replace: missing source labels join as empty strings',
    input: { ...A, a: 'x', b: 'y' },
    rules: '- source_labels: [a, missing, b]\n  target_label: c',
    output: { ...A, a: 'x', b: 'y', c: 'x;;y' },
  },
  {
    name: 'replace: a missing source label with the default regex deletes the target',
    input: { ...A, a: 'x' },
    rules: '- source_labels: [missing]\n  target_label: a',
    output: { ...A },
  },
  {
    name: 'replace: custom separator',
    input: { ...A, a: 'x', b: 'y' },
    rules: '- source_labels: [a, b]\n  separator: "-"\n  target_label: c',
    output: { ...A, a: 'x', b: 'y', c: 'x-y' },
  },
  {
    name: 'replace: empty separator',
    input: { ...A, a: 'x', b: 'y' },
    rules: '- source_labels: [a, b]\n  separator: ""\n  target_label: c',
    output: { ...A, a: 'x', b: 'y', c: 'xy' },
  },
  {
    name: 'replace: separator is part of what the regex sees',
    input: { ...A, a: 'x', b: 'y' },
    rules: '- source_labels: [a, b]\n  separator: "|"\n  regex: "x\\\\|(.*)"\n  target_label: c\n  replacement: "got-$1"',
    output: { ...A, a: 'x', b: 'y', c: 'got-y' },
  },
  {
    name: 'replace: the regex is anchored at both ends',
    input: { ...A, a: 'vw-2000007201-sfvw' },
    rules: '- source_labels: [a]\n  regex: "vw-([0-9]+)-"\n  target_label: n',
    output: { ...A, a: 'vw-2000007201-sfvw' },
  },
  {
    name: 'replace: alternation is anchored as a whole',
    input: { ...A, a: 'ab' },
    rules: '- source_labels: [a]\n  regex: "a|b"\n  target_label: n\n  replacement: matched',
    output: { ...A, a: 'ab' },
  },
  {
    name: 'replace: $1, ${1} and named groups in target_label and replacement',
    input: { ...A, a: 'foo-42' },
    rules: "- source_labels: [a]\n  regex: '(?P<word>[a-z]+)-(\\d+)'\n  target_label: 'x_${2}'\n  replacement: '$word.${1}.$2'",
    output: { ...A, a: 'foo-42', x_42: 'foo.foo.42' },
  },
  {
    name: 'replace: $1x names group "1x" (empty) while ${1}x is group 1 then x',
    input: { ...A, a: 'v' },
    rules: "- source_labels: [a]\n  regex: '(.*)'\n  target_label: b\n  replacement: '$1x|${1}x|$$1|$9'",
    output: { ...A, a: 'v', b: '|vx|$1|' },
  },
  {
    name: 'replace: a replacement that expands to "" deletes the target',
    input: { ...A, a: 'x', b: 'old' },
    rules: "- source_labels: [a]\n  regex: 'x(.*)'\n  target_label: b",
    output: { ...A, a: 'x' },
  },
  {
    name: 'replace: no match leaves the target alone',
    input: { ...A, a: 'x', b: 'old' },
    rules: "- source_labels: [a]\n  regex: 'y(.*)'\n  target_label: b",
    output: { ...A, a: 'x', b: 'old' },
  },
  {
    name: 'replace: a target that expands to an invalid name is skipped',
    input: { ...A, a: '1bad' },
    rules: "- source_labels: [a]\n  target_label: '$1'",
    output: { ...A, a: '1bad' },
  },
  {
    name: 'replace: without source labels sets a constant',
    input: { ...A },
    rules: '- target_label: env\n  replacement: prod',
    output: { ...A, env: 'prod' },
  },
  {
    name: 'replace: "." matches a newline',
    input: { ...A, a: 'foo\nbar' },
    rules: "- source_labels: [a]\n  regex: 'foo.(.*)'\n  target_label: b",
    output: { ...A, a: 'foo\nbar', b: 'bar' },
    prometheus2: { output: { ...A, a: 'foo\nbar' }, why: 'before 3.0 "." does not match a newline' },
  },
  {
    name: 'replace: empty regex matches only the empty value',
    input: { ...A, a: 'x' },
    rules: "- source_labels: [missing]\n  regex: ''\n  target_label: was_empty\n  replacement: 'yes'\n- source_labels: [a]\n  regex: ''\n  target_label: a_empty\n  replacement: 'yes'",
    output: { ...A, a: 'x', was_empty: 'yes' },
  },
  {
    name: 'replace: rules see the results of earlier rules',
    input: { ...A, a: 'x' },
    rules: '- source_labels: [a]\n  target_label: b\n- source_labels: [b]\n  target_label: c\n  replacement: "$1$1"',
    output: { ...A, a: 'x', b: 'x', c: 'xx' },
  },
  {
    name: 'replace: can rewrite __address__ from a __meta_ label',
    input: { ...A, __meta_port: '9100' },
    rules: "- source_labels: [__address__, __meta_port]\n  regex: '([^:]+):\\d+;(\\d+)'\n  target_label: __address__\n  replacement: '$1:$2'",
    output: { __address__: 'h:9100', __meta_port: '9100' },
  },
  // keep / drop
  {
    name: 'keep: a match keeps the label set',
    input: { ...A, a: 'x', b: 'y' },
    rules: "- source_labels: [a, b]\n  regex: 'x;y'\n  action: keep",
    output: { ...A, a: 'x', b: 'y' },
  },
  {
    name: 'keep: a partial match drops it (anchored)',
    input: { ...A, a: 'xy' },
    rules: "- source_labels: [a]\n  regex: 'x'\n  action: keep",
    output: null,
  },
  {
    name: 'keep: empty regex keeps label sets whose source is missing',
    input: { ...A, a: 'x' },
    rules: "- source_labels: [missing]\n  regex: ''\n  action: keep",
    output: { ...A, a: 'x' },
  },
  {
    name: 'keep: empty regex drops label sets whose source is set',
    input: { ...A, a: 'x' },
    rules: "- source_labels: [a]\n  regex: ''\n  action: keep",
    output: null,
  },
  {
    name: 'drop: a match drops the label set',
    input: { ...A, a: 'xyz' },
    rules: "- source_labels: [a]\n  regex: 'x.*'\n  action: drop",
    output: null,
  },
  {
    name: 'drop: no match keeps it',
    input: { ...A, a: 'axyz' },
    rules: "- source_labels: [a]\n  regex: 'x.*'\n  action: drop",
    output: { ...A, a: 'axyz' },
  },
  {
    name: 'drop: missing source labels are empty and match ";"',
    input: { ...A },
    rules: "- source_labels: [m1, m2]\n  regex: ';'\n  action: drop",
    output: null,
  },
  {
    name: 'drop: later rules do not run after a drop',
    input: { ...A, a: 'x' },
    rules: "- source_labels: [a]\n  regex: x\n  action: drop\n- target_label: never\n  replacement: set",
    output: null,
  },
  // keepequal / dropequal
  {
    name: 'keepequal: equal values keep',
    input: { ...A, a: '1', b: '1' },
    rules: '- source_labels: [a]\n  target_label: b\n  action: keepequal',
    output: { ...A, a: '1', b: '1' },
  },
  {
    name: 'keepequal: different values drop',
    input: { ...A, a: '1', b: '2' },
    rules: '- source_labels: [a]\n  target_label: b\n  action: keepequal',
    output: null,
  },
  {
    name: 'keepequal: a missing source and a missing target are equal',
    input: { ...A },
    rules: '- source_labels: [m1]\n  target_label: m2\n  action: keepequal',
    output: { ...A },
  },
  {
    name: 'keepequal: compares the joined value of several sources',
    input: { ...A, a: 'x', b: 'y', c: 'x;y' },
    rules: '- source_labels: [a, b]\n  target_label: c\n  action: keepequal',
    output: { ...A, a: 'x', b: 'y', c: 'x;y' },
  },
  {
    name: 'dropequal: equal values drop',
    input: { ...A, a: '1', b: '1' },
    rules: '- source_labels: [a]\n  target_label: b\n  action: dropequal',
    output: null,
  },
  {
    name: 'dropequal: different values keep',
    input: { ...A, a: '1', b: '2' },
    rules: '- source_labels: [a]\n  target_label: b\n  action: dropequal',
    output: { ...A, a: '1', b: '2' },
  },
  // hashmod
  {
    name: 'hashmod: md5 of the value modulo 1000',
    input: { ...A, c: 'baz' },
    rules: '- source_labels: [c]\n  target_label: d\n  modulus: 1000\n  action: hashmod',
    output: { ...A, c: 'baz', d: '976' },
  },
  {
    name: 'hashmod: modulus 1 always gives 0',
    input: { ...A, c: 'baz' },
    rules: '- source_labels: [c]\n  target_label: d\n  modulus: 1\n  action: hashmod',
    output: { ...A, c: 'baz', d: '0' },
  },
  {
    name: 'hashmod: the separator is part of the hashed value',
    input: { ...A, a: 'foo', b: 'bar' },
    rules:
      '- source_labels: [a, b]\n  target_label: h1\n  modulus: 1000000\n  action: hashmod\n' +
      '- source_labels: [a, b]\n  separator: ""\n  target_label: h2\n  modulus: 1000000\n  action: hashmod\n' +
      '- source_labels: [c]\n  target_label: h3\n  modulus: 1000000\n  action: hashmod\n' +
      '- source_labels: [a]\n  target_label: h4\n  modulus: 4294967296\n  action: hashmod',
    output: { ...A, a: 'foo', b: 'bar', h1: '266750', h2: '766783', h3: '544958', h4: '3435439320' },
  },
  {
    name: 'hashmod: a typical sharding rule keeps one shard',
    input: { ...A },
    rules: '- source_labels: [__address__]\n  target_label: __tmp_hash\n  modulus: 4\n  action: hashmod\n- source_labels: [__tmp_hash]\n  regex: "3"\n  action: keep',
    output: { ...A, __tmp_hash: '3' },
  },
  // labelmap
  {
    name: 'labelmap: default replacement $1 strips a prefix',
    input: { ...A, __meta_kv_team: 'a', __meta_kv_env: 'b', x: '1' },
    rules: "- regex: '__meta_kv_(.+)'\n  action: labelmap",
    output: { ...A, __meta_kv_team: 'a', __meta_kv_env: 'b', team: 'a', env: 'b', x: '1' },
  },
  {
    name: 'labelmap: replacement with ${1} and a literal',
    input: { ...A, b1: 'bar', b2: 'baz', a: 'foo' },
    rules: "- regex: '(b.*)'\n  replacement: 'bar_${1}'\n  action: labelmap",
    output: { ...A, a: 'foo', b1: 'bar', b2: 'baz', bar_b1: 'bar', bar_b2: 'baz' },
  },
  {
    name: 'labelmap: the regex must match the whole name',
    input: { ...A, xa: '1', a: '2' },
    rules: "- regex: 'a'\n  replacement: 'copied'\n  action: labelmap",
    output: { ...A, xa: '1', a: '2', copied: '2' },
  },
  {
    name: 'labelmap: overwrites an existing label of the mapped name',
    input: { ...A, __meta_team: 'new', team: 'old' },
    rules: "- regex: '__meta_(.+)'\n  action: labelmap",
    output: { ...A, __meta_team: 'new', team: 'new' },
  },
  // labeldrop / labelkeep
  {
    name: 'labeldrop: drops names matching the anchored regex',
    input: { ...A, a: '1', b1: '2', ab: '3' },
    rules: "- regex: 'b.*'\n  action: labeldrop",
    output: { ...A, a: '1', ab: '3' },
  },
  {
    name: 'labelkeep: keeps only names matching the anchored regex',
    input: { ...A, a: '1', b: '2', ab: '3' },
    rules: "- regex: '__.*|a'\n  action: labelkeep",
    output: { ...A, a: '1' },
  },
  // lowercase / uppercase
  {
    name: 'lowercase: writes the joined value in lower case',
    input: { ...A, a: 'AbC', b: 'DeF' },
    rules: '- source_labels: [a, b]\n  target_label: c\n  action: lowercase',
    output: { ...A, a: 'AbC', b: 'DeF', c: 'abc;def' },
  },
  {
    name: 'uppercase: can overwrite its own source',
    input: { ...A, a: 'foo' },
    rules: '- source_labels: [a]\n  target_label: a\n  action: uppercase',
    output: { ...A, a: 'FOO' },
  },
  {
    name: 'uppercase and lowercase map each character on its own, as Go (ß stays, İ becomes i, no final sigma)',
    input: { ...A, a: 'straße ᾳ', b: 'İSTANBUL ΟΔΟΣ' },
    rules: '- source_labels: [a]\n  target_label: up\n  action: uppercase\n- source_labels: [b]\n  target_label: low\n  action: lowercase',
    output: { ...A, a: 'straße ᾳ', b: 'İSTANBUL ΟΔΟΣ', up: 'STRAßE ᾼ', low: 'istanbul οδοσ' },
  },
  {
    name: 'lowercase: a missing source deletes the target',
    input: { ...A, a: 'X' },
    rules: '- source_labels: [missing]\n  target_label: a\n  action: lowercase',
    output: { ...A },
  },
  {
    name: 'action names are case-insensitive',
    input: { ...A, a: 'x', b: 'y' },
    rules: "- regex: 'b'\n  action: LabelDrop",
    output: { ...A, a: 'x' },
  },
];

/**
 * Parses `rulesYaml` as a `relabel_configs` list (the legacy name validation of Prometheus 2.42) and
 * applies it to `input`: the resulting label set, or null when a rule drops it.
 */
export function applyRules(input: Record<string, string>, rulesYaml: string): Record<string, string> | null {
  const rules = parseRelabelConfigs(loadYaml('relabel.yml', rulesYaml), 'empty or null relabeling rule', 'legacy');
  const out = relabel(fromObject(input), rules);
  return out === null ? null : toObject(out);
}
