/**
 * Entry point of a query worker thread (started by `query-pool.ts`): evaluates `/api/v1/query`
 * and `/api/v1/query_range` requests off the main thread and answers with the response JSON, so
 * a long evaluation or encoding never blocks the event loop that serves HTTP, scrapes and rules.
 * The head's samples come from the main thread through the synchronous select call of
 * `query-protocol.ts`; the blocks it names are opened and read here (see `query-pool.ts`). A
 * range function over many series may be computed with an idle worker's help, and an idle worker
 * helps with another's when the pool asks (see `range-split.ts`).
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { compare, key, type Labels } from '../model/labels.js';
import { Matcher } from '../model/matcher.js';
import { Engine, PromQLError } from '../promql/index.js';
import { Block } from '../tsdb/block/block.js';
import { MergeQuerier } from '../tsdb/merge_querier.js';
import type { DeferredSelection, SplitQuerier } from '../promql/engine/range-rows.js';
import type { Querier, SeriesSamples, Storage } from '../tsdb/types.js';
import { executeQuery } from './query-exec.js';
import { deferSelection, helpWith, type HelpJob } from './range-split.js';
import { unpackLabels, type HelpDone, type HelpMessage, type HelpRequest, type QueryAnswer, type QueryMessage, type SelectAnswer, type SelectBatch, type SelectBlocks, type SelectRequest, type WorkerInit } from './query-protocol.js';

const init = workerData as WorkerInit;
const engine = new Engine(init.engine);
const flag = new Int32Array(init.control);
const rpc = init.rpc;
let nextRid = 1;
/** The query being evaluated (its id and deadline), for select requests. */
let current = { id: 0, deadline: Infinity };

/** What the main thread answered to a select: series, and for a split select the blocks to read here. */
interface RemoteAnswer {
  series: SeriesSamples[];
  blocks: SelectBlocks | null;
}

/**
 * Selects through the main thread and waits for the answer, merging the batches (time slices in
 * ascending order, each sorted by labels) into one series list sorted by labels.
 * @throws {PromQLError} `timeout` when the query's deadline passes while waiting, or what the
 *   main thread reported.
 */
function request(qmint: number, qmaxt: number, matchers: readonly Matcher[], mint: number, maxt: number, split: boolean): RemoteAnswer {
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
    split,
  };
  rpc.postMessage(req);
  const batches: SelectBatch[] = [];
  let blocks: SelectBlocks | null = null;
  for (;;) {
    const wait = current.deadline - Date.now();
    if (wait <= 0) throw new PromQLError('timeout', 'query timed out in expression evaluation');
    Atomics.wait(flag, 0, 0, Number.isFinite(wait) ? wait : undefined);
    Atomics.store(flag, 0, 0);
    for (let m = receiveMessageOnPort(rpc); m !== undefined; m = receiveMessageOnPort(rpc)) {
      const a = m.message as SelectAnswer;
      if (a.rid !== rid) continue;
      if (a.kind === 'blocks') blocks = a;
      else if (a.kind === 'batch') batches.push(a);
      else if (a.kind === 'failed') throw new PromQLError(a.errorType === 'internal' ? 'execution' : a.errorType, a.message);
      else return { series: mergeBatches(batches), blocks };
    }
  }
}

/** Blocks this worker has open, by ULID (their files stay readable here after the main thread deletes them). */
const blockCache = new Map<string, Block>();
/**
 * After this long without a query the open blocks are closed (ms): every select closes those the
 * storage dropped, and this frees the disk space of deleted blocks when no query comes.
 */
const BLOCK_IDLE_MS = 30_000;
let idleTimer: NodeJS.Timeout | undefined;

/** Closes every cached block. */
function closeBlocks(): void {
  for (const b of blockCache.values()) b.close();
  blockCache.clear();
}

/** Closes the cached blocks whose ULID is not in `live`. */
function pruneBlocks(live: readonly string[]): void {
  if (blockCache.size === 0) return;
  const keep = new Set(live);
  for (const [ulid, b] of blockCache) {
    if (keep.has(ulid)) continue;
    b.close();
    blockCache.delete(ulid);
  }
}

/**
 * The blocks of a split answer, opened here (cached), or null when one cannot be opened (deleted
 * by compaction or retention since the main thread listed it).
 */
function openBlocks(list: { blocks: { ulid: string; dir: string }[]; live: string[] }): Block[] | null {
  pruneBlocks(list.live);
  const out: Block[] = [];
  for (const { ulid, dir } of list.blocks) {
    let b = blockCache.get(ulid);
    if (b === undefined) {
      try {
        b = Block.open(dir);
      } catch {
        return null;
      }
      blockCache.set(ulid, b);
    }
    out.push(b);
  }
  return out;
}

/** Where a selection's samples are: blocks read here (named by `list`) and the head's series sent by the main thread. */
interface Selection {
  list: SelectBlocks | null;
  blocks: Block[];
  head: SeriesSamples[];
}

/**
 * Asks the main thread for a selection: the head's series and the blocks to read here; when a
 * named block is gone, everything is selected through the main thread.
 * @throws {PromQLError} as {@link request}.
 */
function selection(qmint: number, qmaxt: number, matchers: readonly Matcher[], mint: number, maxt: number): Selection {
  const a = request(qmint, qmaxt, matchers, mint, maxt, true);
  if (a.blocks === null) return { list: null, blocks: [], head: a.series };
  const blocks = openBlocks(a.blocks);
  if (blocks === null) return { list: null, blocks: [], head: request(qmint, qmaxt, matchers, mint, maxt, false).series };
  return { list: a.blocks, blocks, head: a.series };
}

/** The series of a selection merged as the main thread's storage merges them (as `blocksAndHeadQuerier`). */
function mergedSeries(sel: Selection, queriers: Querier[], matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
  if (queriers.length === 0) return sel.head;
  const head = sel.head;
  const headPart: Querier = { select: () => head, series: unavailable, labelNames: unavailable, labelValues: unavailable };
  return new MergeQuerier([...queriers, headPart]).select(matchers, mint, maxt);
}

/**
 * Selects as the main thread's storage would: the main thread sends the head's series and names
 * the blocks, read here and merged before the head.
 * @throws {PromQLError} as {@link request}; `StorageReadError` for damaged block files.
 */
function remoteSelect(qmint: number, qmaxt: number, matchers: readonly Matcher[], mint: number, maxt: number): SeriesSamples[] {
  const sel = selection(qmint, qmaxt, matchers, mint, maxt);
  return mergedSeries(sel, sel.blocks.map((b) => b.querier(qmint, qmaxt)), matchers, mint, maxt);
}

/**
 * A selection deferred (see `DeferredSelection`): its rows computed here, with an idle worker's
 * help when the pool has one (see `range-split.ts`).
 * @throws {PromQLError} as {@link request}; `CorruptionError` for a damaged block index.
 */
function deferSelect(qmint: number, qmaxt: number, matchers: readonly Matcher[], mint: number, maxt: number): DeferredSelection {
  const sel = selection(qmint, qmaxt, matchers, mint, maxt);
  const qid = current.id;
  const askHelp = init.peers > 1 ? (job: HelpJob) => rpc.postMessage({ kind: 'help', qid, job } satisfies HelpRequest) : null;
  return deferSelection(sel, qmint, qmaxt, matchers, mint, maxt, (queriers) => mergedSeries(sel, queriers, matchers, mint, maxt), askHelp);
}

function unavailable(): never {
  throw new Error('only select() is available to query workers');
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
    const q: SplitQuerier = {
      select: (matchers, mint, maxt) => remoteSelect(qmint, qmaxt, matchers, mint, maxt),
      deferSelect: (matchers, mint, maxt) => deferSelect(qmint, qmaxt, matchers, mint, maxt),
      series: unavailable,
      labelNames: unavailable,
      labelValues: unavailable,
    };
    return q;
  },
};

parentPort!.on('message', (m: QueryMessage | HelpMessage) => {
  if ('help' in m) {
    const helped = helpWith(m.help, openBlocks);
    if (helped > 0) parentPort!.postMessage({ helped } satisfies HelpDone);
    idle();
    return;
  }
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
  idle();
});

/** Closes the open blocks after {@link BLOCK_IDLE_MS} without work. */
function idle(): void {
  clearTimeout(idleTimer);
  if (blockCache.size > 0) idleTimer = setTimeout(closeBlocks, BLOCK_IDLE_MS).unref();
}
