/**
 * Entry point of a query worker thread (started by `query-pool.ts`): evaluates `/api/v1/query`
 * and `/api/v1/query_range` requests off the main thread and answers with the response JSON, so
 * a long evaluation or encoding never blocks the event loop that serves HTTP, scrapes and rules.
 * Samples come from the main thread through the synchronous select call of `query-protocol.ts`.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { compare, key, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { Engine, PromQLError } from '../promql/index.js';
import type { Querier, SeriesSamples, Storage } from '../tsdb/types.js';
import { executeQuery } from './query-exec.js';
import { unpackLabels, type QueryAnswer, type QueryMessage, type SelectAnswer, type SelectBatch, type SelectRequest, type WorkerInit } from './query-protocol.js';

const init = workerData as WorkerInit;
const engine = new Engine(init.engine);
const flag = new Int32Array(init.control);
const rpc = init.rpc;
let nextRid = 1;
/** The query being evaluated (its id and deadline), for select requests. */
let current = { id: 0, deadline: Infinity };

/**
 * Selects through the main thread and waits for the answer, merging the batches (time slices in
 * ascending order, each sorted by labels) into one series list sorted by labels.
 * @throws {PromQLError} `timeout` when the query's deadline passes while waiting, or what the
 *   main thread reported.
 */
function remoteSelect(qmint: number, qmaxt: number, matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
  const rid = nextRid++;
  const req: SelectRequest = {
    rid,
    qid: current.id,
    qmint,
    qmaxt,
    matchers: matchers.map((m) => [m.type, m.name, m.value]),
    mint,
    maxt,
    deadline: current.deadline,
  };
  rpc.postMessage(req);
  const batches: SelectBatch[] = [];
  for (;;) {
    const wait = current.deadline - Date.now();
    if (wait <= 0) throw new PromQLError('timeout', 'query timed out in expression evaluation');
    Atomics.wait(flag, 0, 0, Number.isFinite(wait) ? wait : undefined);
    Atomics.store(flag, 0, 0);
    for (let m = receiveMessageOnPort(rpc); m !== undefined; m = receiveMessageOnPort(rpc)) {
      const a = m.message as SelectAnswer;
      if (a.rid !== rid) continue;
      if (a.kind === 'batch') batches.push(a);
      else if (a.kind === 'failed') throw new PromQLError(a.errorType === 'internal' ? 'execution' : a.errorType, a.message);
      else return mergeBatches(batches);
    }
  }
}

/** One series list from time-sliced batches; series split over several batches are joined. */
function mergeBatches(batches: SelectBatch[]): SeriesSamples[] {
  const parts = new Map<string, { labels: Labels; chunks: [Float64Array, Float64Array][]; count: number }>();
  const single: SeriesSamples[] = [];
  for (const b of batches) {
    const labels = unpackLabels(b);
    let o = 0;
    for (let i = 0; i < labels.length; i++) {
      const n = b.counts[i]!;
      const ts = b.data.subarray(o, o + n);
      const vs = b.data.subarray(o + n, o + 2 * n);
      o += 2 * n;
      if (batches.length === 1) {
        single.push({ labels: labels[i]!, ts, vs, count: n });
        continue;
      }
      const k = key(labels[i]!);
      let p = parts.get(k);
      if (!p) {
        p = { labels: labels[i]!, chunks: [], count: 0 };
        parts.set(k, p);
      }
      p.chunks.push([ts, vs]);
      p.count += n;
    }
  }
  if (batches.length <= 1) return single;
  const out: SeriesSamples[] = [];
  for (const p of parts.values()) {
    if (p.chunks.length === 1) {
      out.push({ labels: p.labels, ts: p.chunks[0]![0], vs: p.chunks[0]![1], count: p.count });
      continue;
    }
    const ts = new Float64Array(p.count);
    const vs = new Float64Array(p.count);
    let o = 0;
    for (const [t, v] of p.chunks) {
      ts.set(t, o);
      vs.set(v, o);
      o += t.length;
    }
    out.push({ labels: p.labels, ts, vs, count: p.count });
  }
  return out.sort((a, b) => compare(a.labels, b.labels));
}

/** The main thread's storage as the engine sees it; only `select` is served (all the engine uses). */
const storage: Pick<Storage, 'querier'> = {
  querier(qmint: number, qmaxt: number): Querier {
    const unavailable = (): never => {
      throw new Error('only select() is available to query workers');
    };
    return {
      select: (matchers, mint, maxt) => remoteSelect(qmint, qmaxt, matchers, mint, maxt),
      series: unavailable,
      labelNames: unavailable,
      labelValues: unavailable,
    };
  },
};

parentPort!.on('message', (m: QueryMessage) => {
  current = { id: m.id, deadline: m.req.deadline };
  let answer: QueryAnswer;
  try {
    answer = { id: m.id, ok: true, json: executeQuery(engine, storage, m.req) };
  } catch (e) {
    answer =
      e instanceof PromQLError
        ? { id: m.id, ok: false, errorType: e.type, message: e.message }
        : { id: m.id, ok: false, errorType: 'internal', message: e instanceof Error ? e.message : String(e) };
  }
  current = { id: 0, deadline: Infinity };
  parentPort!.postMessage(answer);
});
