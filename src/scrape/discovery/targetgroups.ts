/**
 * Target-group documents as file_sd and http_sd deliver them: a JSON or YAML list of
 * `{targets: [...], labels: {...}}`. Unknown fields are errors, label names must be valid, as
 * upstream's strict decoding.
 */
import { loadYaml } from '../../config/yaml.js';
import { parseTargetGroup, type TargetGroup } from '../../config/prometheus/sd.js';
import { isValidLabelNameFor } from '../../config/prometheus/values.js';

/**
 * Parses a JSON list of target groups (`source` of each is `${sourcePrefix}:${index}`).
 * @throws {Error} with a description of the first problem
 */
export function parseTargetGroupsJSON(text: string, sourcePrefix: string): TargetGroup[] {
  const doc: unknown = JSON.parse(text);
  if (doc === null) return [];
  if (!Array.isArray(doc)) throw new Error('json: cannot unmarshal object into Go value of type []*targetgroup.Group');
  return doc.map((item: unknown, i) => {
    if (item === null) throw new Error('nil target group item found');
    if (typeof item !== 'object' || Array.isArray(item)) throw new Error('json: cannot unmarshal into Go value of type targetgroup.Group');
    const g = item as Record<string, unknown>;
    for (const k of Object.keys(g)) if (k !== 'targets' && k !== 'labels') throw new Error(`json: unknown field ${JSON.stringify(k)}`);
    const targets = g.targets ?? [];
    if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string')) throw new Error('json: targets must be a list of strings');
    const labels: Record<string, string> = {};
    const rawLabels = g.labels ?? {};
    if (typeof rawLabels !== 'object' || rawLabels === null || Array.isArray(rawLabels)) throw new Error('json: labels must be an object');
    for (const [n, v] of Object.entries(rawLabels as Record<string, unknown>)) {
      if (!isValidLabelNameFor('utf8', n)) throw new Error(`${JSON.stringify(n)} is not a valid label name`);
      if (typeof v !== 'string') throw new Error(`json: label ${JSON.stringify(n)} must be a string`);
      labels[n] = v;
    }
    return { targets: (targets as string[]).map((t) => ({ __address__: t })), labels, source: `${sourcePrefix}:${i}` };
  });
}

/**
 * Parses a YAML list of target groups.
 * @throws {ConfigError} located in `file`
 */
export function parseTargetGroupsYAML(file: string, text: string, sourcePrefix: string): TargetGroup[] {
  const root = loadYaml(file, text);
  return root.seq().map((item, i) => {
    if (item.isNull) throw item.error('nil target group item found');
    return parseTargetGroup(item, `${sourcePrefix}:${i}`, 'utf8');
  });
}
