/**
 * The `route:` tree and `inhibit_rules:` of `alertmanager.yml`, with Alertmanager's validation:
 * label names, `match_re` regexes (anchored, null values rejected), `matchers` in the classic
 * syntax (quoting rules of 0.25), `group_by` incl. `...`, non-zero intervals.
 */
import { AmMatcher, MatcherParseError, parseMatchers, sortMatchers } from '../../alertmanager/matcher.js';
import { isValidLabelName } from '../../model/labels.js';
import type { YNode } from '../yaml.js';
import { Fields } from './common.js';
import type { InhibitRuleConfig, RouteConfig } from './types.js';

const ROUTE_FIELDS = [
  'receiver',
  'group_by',
  'match',
  'match_re',
  'matchers',
  'mute_time_intervals',
  'active_time_intervals',
  'continue',
  'routes',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'labels',
];

function matcherError(n: YNode, e: unknown): Error {
  if (e instanceof MatcherParseError) return n.error(e.message);
  return e as Error;
}

/** `match:` — equality matchers; keys must be valid label names. */
function parseMatch(n: YNode | undefined): AmMatcher[] {
  if (!n) return [];
  return Object.entries(n.map(null)).map(([k, v]) => {
    if (!isValidLabelName(k)) throw n.error(`invalid label name ${JSON.stringify(k)}`);
    return new AmMatcher('=', k, v.str());
  });
}

/** `match_re:` — anchored regex matchers; null values are `invalid regexp value for "<k>"`. */
function parseMatchRE(n: YNode | undefined): AmMatcher[] {
  if (!n) return [];
  return Object.entries(n.map(null)).map(([k, v]) => {
    if (!isValidLabelName(k)) throw n.error(`invalid label name ${JSON.stringify(k)}`);
    if (v.isNull) throw v.error(`invalid regexp value for ${JSON.stringify(k)}`);
    try {
      return new AmMatcher('=~', k, v.str());
    } catch (e) {
      throw matcherError(v, e);
    }
  });
}

/** `matchers:` — a list of strings, each one or more comma-separated matchers. */
export function parseMatcherList(n: YNode | undefined): AmMatcher[] {
  if (!n) return [];
  const out: AmMatcher[] = [];
  for (const item of n.seq()) {
    try {
      out.push(...parseMatchers(item.str()));
    } catch (e) {
      throw matcherError(item, e);
    }
  }
  return out;
}

function nonZero(f: Fields, k: string): number | undefined {
  const d = f.duration(k);
  if (d === 0 && (k === 'group_interval' || k === 'repeat_interval')) throw f.get(k)!.error(`${k} cannot be zero`);
  return d;
}

/**
 * Parses a route node and its children.
 * @throws {ConfigError}
 */
export function parseRoute(n: YNode): RouteConfig {
  const f = new Fields(n, ROUTE_FIELDS, 'config.plain');
  for (const k of Object.keys(f.stringMap('labels'))) {
    if (!isValidLabelName(k)) throw f.get('labels')!.error(`invalid label name ${JSON.stringify(k)} in route labels`);
  }
  let groupBy: string[] | undefined;
  let groupByAll = false;
  if (f.has('group_by')) {
    const gb = f.get('group_by')!;
    groupBy = [];
    const seen = new Set<string>();
    for (const l of gb.strings()) {
      if (l === '...') {
        groupByAll = true;
        continue;
      }
      if (!isValidLabelName(l)) throw gb.error(`invalid label name ${JSON.stringify(l)} in group_by list`);
      if (seen.has(l)) throw gb.error(`duplicated label ${JSON.stringify(l)} in group_by`);
      seen.add(l);
      groupBy.push(l);
    }
    if (groupByAll && groupBy.length > 0) {
      throw gb.error('cannot have wildcard group_by (`...`) and other other labels at the same time');
    }
    if (groupByAll) groupBy = undefined;
  }
  const matchers = sortMatchers([...parseMatch(f.get('match')), ...parseMatchRE(f.get('match_re')), ...parseMatcherList(f.get('matchers'))]);
  const route: RouteConfig = {
    receiver: f.str('receiver'),
    group_by_all: groupByAll,
    matchers,
    mute_time_intervals: f.strings('mute_time_intervals'),
    active_time_intervals: f.strings('active_time_intervals'),
    continue: f.bool('continue'),
    routes: (f.get('routes')?.seq() ?? []).map(parseRoute),
  };
  if (groupBy !== undefined) route.group_by = groupBy;
  const gw = f.duration('group_wait');
  const gi = nonZero(f, 'group_interval');
  const ri = nonZero(f, 'repeat_interval');
  if (gw !== undefined) route.group_wait = gw;
  if (gi !== undefined) route.group_interval = gi;
  if (ri !== undefined) route.repeat_interval = ri;
  return route;
}

const INHIBIT_FIELDS = ['name', 'source_match', 'source_match_re', 'source_matchers', 'target_match', 'target_match_re', 'target_matchers', 'equal'];

/**
 * Parses one `inhibit_rules[]` entry.
 * @throws {ConfigError}
 */
export function parseInhibitRule(n: YNode): InhibitRuleConfig {
  const f = new Fields(n, INHIBIT_FIELDS, 'config.plain');
  const equal = f.strings('equal');
  for (const l of equal) {
    if (!isValidLabelName(l)) throw f.get('equal')!.error(`invalid label name ${JSON.stringify(l)} in equal list`);
  }
  return {
    source_matchers: [...parseMatch(f.get('source_match')), ...parseMatchRE(f.get('source_match_re')), ...parseMatcherList(f.get('source_matchers'))],
    target_matchers: [...parseMatch(f.get('target_match')), ...parseMatchRE(f.get('target_match_re')), ...parseMatcherList(f.get('target_matchers'))],
    equal,
  };
}
