/**
 * Test harness for the rules module: a real Head and PromQL engine, rule files written to a
 * temporary directory, a notifier stand-in that records what was sent, and a manual clock.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { PostableAlert } from '../../../src/alertmanager/types.js';
import { fromObject, toObject } from '../../../src/model/labels.js';
import { isStaleNaN } from '../../../src/model/value.js';
import { Engine, parseMetricSelector } from '../../../src/promql/index.js';
import { RuleManager, type RuleManagerOptions } from '../../../src/rules/index.js';
import { Head } from '../../../src/tsdb/head.js';

/** One `send` call of the rule manager. */
export interface Sent {
  at: number;
  alerts: PostableAlert[];
}

export interface Env {
  dir: string;
  head: Head;
  engine: Engine;
  manager: RuleManager;
  registry: Registry;
  sent: Sent[];
  clock: { now: number };
  /** Writes a rule file and returns its path. */
  writeRules(name: string, text: string): string;
  /** Appends samples `[t ms, v]` to the series `labels`. */
  addSeries(labels: Record<string, string>, samples: [number, number][]): void;
  /** Instant query at `t`: `{labels, value}` pairs (value `'stale'` never shows; stale series are absent). */
  query(q: string, t: number): { labels: Record<string, string>; value: number }[];
  /** Raw samples of the series matching `q` in [mint, maxt], staleness markers as `'stale'`. */
  raw(q: string, mint: number, maxt: number): { labels: Record<string, string>; samples: [number, number | 'stale'][] }[];
}

/** Builds an environment; rule files are loaded with `env.manager.update(interval, [files])`. */
export function makeEnv(opts: Partial<RuleManagerOptions> = {}): Env {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-rules-'));
  const head = new Head();
  const engine = new Engine();
  const registry = new Registry();
  const sent: Sent[] = [];
  const clock = { now: 0 };
  const manager = new RuleManager({
    engine,
    storage: head,
    notifier: { send: (alerts) => sent.push({ at: clock.now, alerts }) },
    externalLabels: {},
    externalURL: 'http://lookout:9090',
    registry,
    now: () => clock.now,
    ...opts,
  });
  return {
    dir,
    head,
    engine,
    manager,
    registry,
    sent,
    clock,
    writeRules(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    addSeries(labels, samples) {
      const app = head.appender();
      const ref = app.seriesRef(fromObject(labels));
      for (const [t, v] of samples) app.append(ref, t, v);
      app.commit();
    },
    query(q, t) {
      const v = engine.instantQuery(head, q, t).value;
      if (v.type !== 'vector') throw new Error(`not a vector: ${v.type}`);
      return v.samples.map((s) => ({ labels: toObject(s.labels), value: s.v }));
    },
    raw(q, mint, maxt) {
      return head
        .querier(mint, maxt)
        .select(parseMetricSelector(q), mint, maxt)
        .map((s) => {
          const samples: [number, number | 'stale'][] = [];
          for (let i = 0; i < s.count; i++) samples.push([s.ts[i]!, isStaleNaN(s.vs[i]!) ? 'stale' : s.vs[i]!]);
          return { labels: toObject(s.labels), samples };
        });
    },
  };
}

/** Runs `evalAll` at each of `times` (ms), moving the clock along. */
export function evalAt(env: Env, times: number[]): void {
  for (const t of times) {
    env.clock.now = t;
    env.manager.evalAll(t);
  }
}

/** `[0, step, 2*step, …, end]`. */
export function steps(end: number, step: number, start = 0): number[] {
  const out: number[] = [];
  for (let t = start; t <= end; t += step) out.push(t);
  return out;
}

export const MIN = 60_000;
