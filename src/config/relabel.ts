/**
 * Relabeling, as Prometheus's `model/relabel`: the `relabel_config` YAML block (parsing and the
 * load-time validation upstream applies) and {@link relabel}, which applies a list of compiled
 * rules to a label set. Used for target relabeling, metric relabeling, alert relabeling and
 * remote-write relabeling.
 *
 * Regexes are RE2, fully anchored, `.` matching newlines, compiled once at load time.
 */
import { createHash } from 'node:crypto';
import { LabelsBuilder, type Labels } from '../model/labels.js';
import { compileAnchored, expand, namedGroups, RegexSyntaxError, type Regex } from '../model/regex.js';
import type { YNode } from './yaml.js';
import { isValidLabelNameFor, type NameValidationScheme } from './prometheus/values.js';

/** The relabel actions upstream supports (YAML values are case-insensitive). */
export type RelabelAction =
  | 'replace'
  | 'keep'
  | 'drop'
  | 'keepequal'
  | 'dropequal'
  | 'hashmod'
  | 'labelmap'
  | 'labeldrop'
  | 'labelkeep'
  | 'lowercase'
  | 'uppercase';

const ACTIONS: readonly RelabelAction[] = [
  'replace',
  'keep',
  'drop',
  'keepequal',
  'dropequal',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
];

/** The default regex of a relabel rule. */
export const DEFAULT_RELABEL_REGEX = '(.*)';

/** One compiled `relabel_config`. Defaults as upstream: separator `;`, regex `(.*)`, replacement `$1`, action `replace`. */
export interface RelabelConfig {
  sourceLabels: string[];
  separator: string;
  /** The regex as written (unanchored form); the compiled matcher is {@link regex}. */
  regexSource: string;
  /** Compiled, fully anchored. */
  regex: Regex;
  /** Named groups of the regex, for `$name` in templates. */
  namedGroups: Record<string, number>;
  /** For `hashmod`; 0 otherwise. */
  modulus: number;
  targetLabel: string;
  replacement: string;
  action: RelabelAction;
  /** Which label names `replace` and `labelmap` may produce. */
  nameValidationScheme: NameValidationScheme;
}

const FIELDS = ['source_labels', 'separator', 'regex', 'modulus', 'target_label', 'replacement', 'action'];
/** Legacy target-label syntax with `$1`/`${1}` references allowed (upstream `relabelTargetLegacy`). */
const LEGACY_TARGET_WITH_VARS = /^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$/;

/**
 * Parses a list of `relabel_config` blocks and validates each as upstream `relabel.Config.Validate`
 * (e.g. `relabel configuration for replace action requires 'target_label' value`).
 * @param emptyMessage upstream's error for a null list item, e.g. `empty or null target relabeling rule in scrape config`
 * @param scheme the name validation scheme of the enclosing config
 * @throws {ConfigError}
 */
export function parseRelabelConfigs(node: YNode | undefined, emptyMessage: string, scheme: NameValidationScheme): RelabelConfig[] {
  if (!node) return [];
  return node.seq().map((item) => {
    if (item.isNull) throw item.error(emptyMessage);
    return parseRelabelConfig(item, scheme);
  });
}

/**
 * Parses and validates one `relabel_config` block.
 * @throws {ConfigError}
 */
export function parseRelabelConfig(node: YNode, scheme: NameValidationScheme): RelabelConfig {
  const m = node.map(FIELDS, 'relabel.plain');
  let action: RelabelAction | '' = 'replace';
  if (m.action) {
    const raw = m.action.isNull ? '' : m.action.str();
    if (raw !== '' || !m.action.isNull) {
      const lower = raw.toLowerCase() as RelabelAction;
      if (!ACTIONS.includes(lower)) throw m.action.error(`unknown relabel action ${JSON.stringify(raw)}`);
      action = lower;
    } else action = '';
  }
  // An explicit null regex is the empty regex, as upstream.
  const regexSource = m.regex ? (m.regex.isNull ? '' : m.regex.str()) : DEFAULT_RELABEL_REGEX;
  let regex: Regex;
  let named: Record<string, number>;
  try {
    regex = compileAnchored(regexSource);
    named = namedGroups(regexSource);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw (m.regex ?? node).error(e.message);
    throw e;
  }
  const cfg = {
    sourceLabels: m.source_labels?.strings() ?? [],
    separator: m.separator ? m.separator.str() : ';',
    regexSource,
    regex,
    namedGroups: named,
    modulus: m.modulus && !m.modulus.isNull ? m.modulus.uint() : 0,
    targetLabel: m.target_label?.str() ?? '',
    replacement: m.replacement ? m.replacement.str() : '$1',
    action: action as RelabelAction,
    nameValidationScheme: scheme,
  };
  const explicit = { sourceLabels: m.source_labels !== undefined, regex: m.regex !== undefined };
  const err = validateRelabelConfig(cfg, action, explicit);
  if (err) throw node.error(err);
  return cfg;
}

function validateRelabelConfig(c: RelabelConfig, action: RelabelAction | '', explicit: { sourceLabels: boolean; regex: boolean }): string | null {
  if (action === '') return 'relabel action cannot be empty';
  if (c.modulus === 0 && action === 'hashmod') return 'relabel configuration for hashmod requires non-zero modulus';
  const needsTarget = ['replace', 'hashmod', 'lowercase', 'uppercase', 'keepequal', 'dropequal'];
  if (needsTarget.includes(action) && c.targetLabel === '') {
    return `relabel configuration for ${action} action requires 'target_label' value`;
  }
  const scheme = c.nameValidationScheme;
  const hasVar = c.targetLabel.includes('$');
  const validWithVars = (v: string) => (scheme === 'utf8' ? isValidLabelNameFor(scheme, v) : LEGACY_TARGET_WITH_VARS.test(v));
  if (action === 'replace' && !hasVar && !isValidLabelNameFor(scheme, c.targetLabel)) {
    return `${JSON.stringify(c.targetLabel)} is invalid 'target_label' for ${action} action`;
  }
  if (action === 'replace' && hasVar && !validWithVars(c.targetLabel)) {
    return `${JSON.stringify(c.targetLabel)} is invalid 'target_label' for ${action} action`;
  }
  const equalOrCase = ['lowercase', 'uppercase', 'keepequal', 'dropequal'].includes(action);
  if (equalOrCase && !isValidLabelNameFor(scheme, c.targetLabel)) {
    return `${JSON.stringify(c.targetLabel)} is invalid 'target_label' for ${action} action`;
  }
  if (equalOrCase && c.replacement !== '$1') return `'replacement' can not be set for ${action} action`;
  if (action === 'labelmap' && !validWithVars(c.replacement)) {
    return `${JSON.stringify(c.replacement)} is invalid 'replacement' for ${action} action`;
  }
  if (action === 'hashmod' && !isValidLabelNameFor(scheme, c.targetLabel)) {
    return `${JSON.stringify(c.targetLabel)} is invalid 'target_label' for ${action} action`;
  }
  if ((action === 'dropequal' || action === 'keepequal') && (explicit.regex || c.modulus !== 0 || c.separator !== ';' || c.replacement !== '$1')) {
    return `${action} action requires only 'source_labels' and \`target_label\`, and no other fields`;
  }
  if (
    (action === 'labeldrop' || action === 'labelkeep') &&
    (explicit.sourceLabels || c.targetLabel !== '' || c.modulus !== 0 || c.separator !== ';' || c.replacement !== '$1')
  ) {
    return `${action} action requires only 'regex', and no other fields`;
  }
  return null;
}

/**
 * Compiles a relabel rule from plain values (for callers that build rules in code, e.g. tests).
 * Unset fields take upstream's defaults. Not validated.
 * @throws {RegexSyntaxError} for an invalid regex
 */
export function makeRelabelConfig(c: Partial<Omit<RelabelConfig, 'regex' | 'namedGroups'>> & { regex?: string }): RelabelConfig {
  const regexSource = c.regex ?? DEFAULT_RELABEL_REGEX;
  return {
    sourceLabels: c.sourceLabels ?? [],
    separator: c.separator ?? ';',
    regexSource,
    regex: compileAnchored(regexSource),
    namedGroups: namedGroups(regexSource),
    modulus: c.modulus ?? 0,
    targetLabel: c.targetLabel ?? '',
    replacement: c.replacement ?? '$1',
    action: c.action ?? 'replace',
    nameValidationScheme: c.nameValidationScheme ?? 'utf8',
  };
}

/**
 * Applies relabel rules in order, as upstream `relabel.Process`. Returns the resulting sorted label
 * set, or `null` when a rule drops it (`keep`, `drop`, `keepequal`, `dropequal`). The input is not
 * modified.
 */
export function relabel(labels: Labels, cfgs: readonly RelabelConfig[]): Labels | null {
  if (cfgs.length === 0) return labels;
  const lb = new LabelsBuilder(labels);
  return relabelBuilder(lb, cfgs) ? lb.labels() : null;
}

/**
 * Applies relabel rules to a builder in place (upstream `relabel.ProcessBuilder`).
 * @returns false when a rule drops the label set (the builder then holds a partial result)
 */
export function relabelBuilder(lb: LabelsBuilder, cfgs: readonly RelabelConfig[]): boolean {
  for (const cfg of cfgs) if (!applyOne(cfg, lb)) return false;
  return true;
}

function applyOne(cfg: RelabelConfig, lb: LabelsBuilder): boolean {
  let val = '';
  for (let i = 0; i < cfg.sourceLabels.length; i++) {
    if (i > 0) val += cfg.separator;
    val += lb.get(cfg.sourceLabels[i]!);
  }
  switch (cfg.action) {
    case 'drop':
      return !cfg.regex.test(val);
    case 'keep':
      return cfg.regex.test(val);
    case 'dropequal':
      return lb.get(cfg.targetLabel) !== val;
    case 'keepequal':
      return lb.get(cfg.targetLabel) === val;
    case 'replace': {
      if (
        val === '' &&
        cfg.regexSource === DEFAULT_RELABEL_REGEX &&
        !cfg.targetLabel.includes('$') &&
        !cfg.replacement.includes('$')
      ) {
        lb.set(cfg.targetLabel, cfg.replacement);
        return true;
      }
      const groups = cfg.regex.exec(val);
      if (!groups) return true;
      const target = expand(cfg.targetLabel, groups, cfg.namedGroups);
      if (!isValidLabelNameFor(cfg.nameValidationScheme, target)) return true;
      lb.set(target, expand(cfg.replacement, groups, cfg.namedGroups));
      return true;
    }
    case 'lowercase':
      lb.set(cfg.targetLabel, goToLower(val));
      return true;
    case 'uppercase':
      lb.set(cfg.targetLabel, goToUpper(val));
      return true;
    case 'hashmod':
      lb.set(cfg.targetLabel, hashmod(val, cfg.modulus));
      return true;
    case 'labelmap': {
      const snapshot: [string, string][] = [];
      lb.forEach((n, v) => snapshot.push([n, v]));
      for (const [name, value] of snapshot) {
        const groups = cfg.regex.exec(name);
        if (groups) lb.set(expand(cfg.replacement, groups, cfg.namedGroups), value);
      }
      return true;
    }
    case 'labeldrop':
    case 'labelkeep': {
      const names: string[] = [];
      lb.forEach((n) => names.push(n));
      const keep = cfg.action === 'labelkeep';
      for (const n of names) if (cfg.regex.test(n) !== keep) lb.del(n);
      return true;
    }
  }
}

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Simple (one-to-one) case mappings of the characters whose full mapping in JavaScript is several
 * characters: Go maps those through the simple mapping, or leaves them (e.g. `ß`) when there is none.
 */
const SIMPLE_UPPER = new Map<number, number>([
  ...[0x1f80, 0x1f90, 0x1fa0].flatMap((base) => Array.from({ length: 8 }, (_, i): [number, number] => [base + i, base + i + 8])),
  [0x1fb3, 0x1fbc],
  [0x1fc3, 0x1fcc],
  [0x1ff3, 0x1ffc],
]);
const SIMPLE_LOWER = new Map<number, number>([[0x130, 0x69]]);

/** Maps each character of `s` on its own, as Go's `strings.ToUpper`/`ToLower` (no context, no expansion). */
function goCase(s: string, upper: boolean): string {
  if (ASCII.test(s)) return upper ? s.toUpperCase() : s.toLowerCase();
  const simple = upper ? SIMPLE_UPPER : SIMPLE_LOWER;
  let out = '';
  for (const ch of s) {
    const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
    if ([...mapped].length === 1) out += mapped;
    else {
      const cp = simple.get(ch.codePointAt(0)!);
      out += cp === undefined ? ch : String.fromCodePoint(cp);
    }
  }
  return out;
}

/** `strings.ToLower` as Go: per character, simple mappings only (`İ` becomes `i`). */
function goToLower(s: string): string {
  return goCase(s, false);
}

/** `strings.ToUpper` as Go: per character, simple mappings only (`ß` stays `ß`). */
function goToUpper(s: string): string {
  return goCase(s, true);
}

/**
 * The `hashmod` value of `val`: MD5 of the text, the last 8 bytes read as a big-endian uint64,
 * modulo `modulus`, in decimal — the same number upstream computes.
 */
export function hashmod(val: string, modulus: number): string {
  const sum = createHash('md5').update(val, 'utf8').digest();
  return (sum.readBigUInt64BE(8) % BigInt(modulus)).toString();
}
