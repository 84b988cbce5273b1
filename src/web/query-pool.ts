/**
 * Runs API queries in worker threads, so that evaluating and encoding a long query does not block
 * the event loop (DESIGN.md: anything over ~50 ms is chunked or moved to a worker), a query's
 * memory is capped by its worker's heap limit instead of the process's, and deep expressions get
 * a large stack (Prometheus evaluates 20,000 nested parentheses or 5,000 nested calls).
 *
 * - At most `maxConcurrency` queries run at once (one per worker, as upstream's
 *   `--query.max-concurrency`); others wait in a queue, where their deadline already runs
 *   (`query timed out in query queue`, as upstream).
 * - The head stays on the main thread: a worker's `select` is answered here (see
 *   `query-protocol.ts`), in time slices sized to take ~{@link SLICE_TARGET_MS} each with the
 *   event loop free in between, when the selection is long and has few series. The decoding of
 *   one slice, or of a whole selection of many series, runs on the main thread.
 * - Immutable blocks are read by the workers themselves when the storage is a
 *   {@link SplitStorage} (a `TSDB`): the main thread names the blocks overlapping the range and
 *   sends only the head's series, the worker reads and decodes the blocks (opened once, kept open
 *   until they leave the storage or the worker idles) and merges them as the storage's querier does. Blocks with
 *   deleted intervals, and selections merged with remote read, are selected here whole.
 * - Past its deadline a worker stops by itself (the engine checks it per node, series and step);
 *   one still busy {@link KILL_GRACE_MS} later is terminated and replaced.
 * - A worker that runs out of heap is replaced and its query fails with an execution error.
 * - A worker evaluating a range function over a selection of many series may ask for help: the
 *   request is handed to an idle worker, which computes part of the rows until it is given a
 *   query of its own (see `range-split.ts`); busy workers are never asked, and idle workers not
 *   helping are given new queries first.
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../log.js';
import { Matcher } from '../model/matcher.js';
import { PromQLError, type EngineOptions } from '../promql/index.js';
import { MergeQuerier } from '../tsdb/merge_querier.js';
import type { Block } from '../tsdb/block/block.js';
import type { Querier, Storage } from '../tsdb/types.js';
import type { QueryRequest } from './query-exec.js';
import {
  packSeries,
  type HelpDone,
  type HelpMessage,
  type HelpRequest,
  type QueryAnswer,
  type SelectAnswer,
  type SelectBlocks,
  type SelectRequest,
  type WorkerInit,
} from './query-protocol.js';
import { closeJob, jobEnded, stopHelp } from './range-split.js';

/** Time one slice of a select may take on the main thread before the next is made smaller. */
const SLICE_TARGET_MS = 20;
/**
 * Selections over a shorter range, or one at most a quarter longer (a 1 h range query over a
 * `[5m]` selector reads 65m), are answered in one piece (ms; an instant query reads 5m).
 */
const SLICE_MIN_RANGE_MS = 3_600_000;
/** Above this many series in a slice, the rest of the range is selected at once: per-slice costs grow with series. */
const SLICE_MAX_SERIES = 1000;
/** How long a worker may overrun its query's deadline before it is terminated (ms). */
const KILL_GRACE_MS = 500;
/**
 * A worker's young generation, at most (MiB): a query's rows and its JSON answer (a few MB for a
 * 1,000-series range query) then die young. With V8's default (half of it) they were promoted
 * to the old space: a full collection per such query, and about 15 % of its worker's time in GC.
 */
const YOUNG_GENERATION_MB = 96;

/**
 * A storage whose blocks query workers may read themselves (as `TSDB`): its querier merges
 * `openBlocks()` overlapping the range, oldest first, then `head.querier(…)`.
 */
export interface SplitStorage {
  openBlocks(): readonly Block[];
  head: Pick<Storage, 'querier'>;
}

/** Pool settings. */
export interface QueryPoolOptions {
  /**
   * Where samples come from (on the main thread). With {@link SplitStorage}'s methods, workers
   * read the immutable blocks themselves (decoding off the main thread, no copies between
   * threads) and only the head's series are selected here; blocks with deleted intervals, and
   * selections merged with remote read, are selected here whole.
   */
  storage: Pick<Storage, 'querier'> & Partial<SplitStorage>;
  /**
   * Remote read (`remote_read`, see remote/read-client.ts): the series it returns for a selection
   * are merged under the local ones (local samples win on equal timestamps). Null: no endpoint applies.
   */
  remoteRead?: { prefetch(matchers: readonly Matcher[], mint: number, maxt: number): Promise<Querier | null> };
  /** Settings of each worker's engine (`timeoutMs` is `--query.timeout`, also enforced here). */
  engine: EngineOptions;
  /** Most queries evaluated at once (`--query.max-concurrency`); workers are capped at the CPU count. */
  maxConcurrency?: number;
  /** Old-generation heap limit of each worker, MiB (default 2048). */
  heapLimitMb?: number;
  /** Stack size of each worker, MiB (default 64: ~900,000 JS frames). */
  stackSizeMb?: number;
  log?: Logger;
}

interface Pending {
  id: number;
  req: QueryRequest;
  resolve: (json: string) => void;
  reject: (e: Error) => void;
  queueTimer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker | null;
  control: SharedArrayBuffer;
  flag: Int32Array;
  port: MessagePort | null;
  busy: Pending | null;
  killTimer?: NodeJS.Timeout;
  /** Control of the help job lent to this idle worker (see `range-split.ts`), stopped when it gets a query. */
  lent: SharedArrayBuffer | null;
  /** Control of the last help job of this worker's query, closed when the query ends. */
  owned: SharedArrayBuffer | null;
}

/** A pool of query workers over one storage. */
export class QueryPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;
  private readonly timeoutMs: number;
  private helped = 0;

  constructor(private readonly opts: QueryPoolOptions) {
    this.timeoutMs = opts.engine.timeoutMs ?? 120_000;
    const n = Math.max(1, Math.min(opts.maxConcurrency ?? 20, availableParallelism()));
    for (let i = 0; i < n; i++) {
      const control = new SharedArrayBuffer(4);
      this.slots.push({ worker: null, control, flag: new Int32Array(control), port: null, busy: null, lent: null, owned: null });
    }
  }

  /**
   * Evaluates `req` in a worker; resolves to the success response JSON.
   * @throws {PromQLError} as `Engine.instantQuery`/`rangeQuery`, `timeout` (`query timed out in
   *   query queue` while waiting for a worker, `… in expression evaluation` past the deadline),
   *   `execution` when the worker ran out of memory; {@link Error} for internal errors and after
   *   {@link close}.
   */
  run(req: QueryRequest): Promise<string> {
    if (this.closed) return Promise.reject(new Error('query pool is closed'));
    // As upstream, `--query.timeout` counts from the query's arrival, time in the queue included.
    const deadline = Math.min(req.deadline, Date.now() + this.timeoutMs);
    return new Promise((resolve, reject) => {
      const p: Pending = { id: this.nextId++, req: { ...req, deadline }, resolve, reject };
      const free = this.idleSlot();
      if (free) return this.dispatch(free, p);
      p.queueTimer = timer(deadline - Date.now(), () => {
        const i = this.queue.indexOf(p);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new PromQLError('timeout', 'query timed out in query queue'));
      });
      this.queue.push(p);
    });
  }

  /** Units of rows computed by workers helping another's query (see `range-split.ts`), since the pool started. */
  get unitsHelped(): number {
    return this.helped;
  }

  /** Terminates every worker; queued and running queries fail. */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) {
      clearTimeout(p.queueTimer);
      p.reject(new Error('query pool is closed'));
    }
    await Promise.all(this.slots.map((s) => this.retire(s, new Error('query pool is closed'))));
  }

  private dispatch(slot: Slot, p: Pending): void {
    const now = Date.now();
    if (now >= p.req.deadline) {
      p.reject(new PromQLError('timeout', 'query timed out in query queue'));
      this.pump();
      return;
    }
    slot.busy = p;
    const worker = slot.worker ?? this.spawn(slot);
    if (slot.lent !== null) {
      // Its help stops after the unit in hand; the query waits in its message queue until then.
      stopHelp(slot.lent);
      slot.lent = null;
    }
    worker.postMessage({ id: p.id, req: p.req });
    slot.killTimer = timer(p.req.deadline - now + KILL_GRACE_MS, () => {
      if (slot.busy !== p) return;
      this.opts.log?.warn('query worker overran its deadline; terminating it', { query: p.req.query.slice(0, 200) });
      void this.retire(slot, new PromQLError('timeout', 'query timed out in expression evaluation'));
    });
  }

  private pump(): void {
    for (;;) {
      const slot = this.idleSlot();
      const p = slot && this.queue.shift();
      if (!slot || !p) return;
      clearTimeout(p.queueTimer);
      this.dispatch(slot, p);
    }
  }

  /** An idle slot, preferably one not helping another query; undefined when all are busy. */
  private idleSlot(): Slot | undefined {
    let lent: Slot | undefined;
    for (const s of this.slots) {
      if (s.busy !== null) continue;
      if (s.lent === null || jobEnded(s.lent)) return s;
      lent ??= s;
    }
    return lent;
  }

  /**
   * Hands a worker's help request to another idle worker (started when the slot has none: it
   * helps once it runs, if the job is not over by then), or drops it when none is idle.
   */
  private lend(owner: Slot, worker: Worker, r: HelpRequest): void {
    if (this.closed || owner.worker !== worker || owner.busy === null || owner.busy.id !== r.qid) return;
    owner.owned = r.job.control;
    const free = this.slots.find((s) => s !== owner && s.busy === null && (s.lent === null || jobEnded(s.lent)));
    if (free === undefined) return;
    const helper = free.worker ?? this.spawn(free);
    free.lent = r.job.control;
    helper.postMessage({ help: r.job } satisfies HelpMessage);
  }

  /** Ends the slot's query with `err`, terminates its worker (replaced on next use) and frees the slot. */
  private async retire(slot: Slot, err: Error): Promise<void> {
    const w = slot.worker;
    this.finish(slot, null, err);
    slot.lent = null;
    slot.worker = null;
    slot.port?.close();
    slot.port = null;
    if (w) await w.terminate();
  }

  /** Settles the slot's query (with `json` or `err`), frees the slot and starts the next queued query. */
  private finish(slot: Slot, json: string | null, err: Error | null): void {
    const p = slot.busy;
    clearTimeout(slot.killTimer);
    slot.busy = null;
    if (slot.owned !== null) {
      closeJob(slot.owned);
      slot.owned = null;
    }
    if (p) {
      if (err) p.reject(err);
      else p.resolve(json!);
    }
    if (!this.closed) this.pump();
  }

  private spawn(slot: Slot): Worker {
    const { port1, port2 } = new MessageChannel();
    const init: WorkerInit = { engine: this.opts.engine, control: slot.control, rpc: port2, peers: this.slots.length };
    const worker = startWorker(init, [port2], {
      maxOldGenerationSizeMb: this.opts.heapLimitMb ?? 2048,
      maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      stackSizeMb: this.opts.stackSizeMb ?? 64,
    });
    worker.unref();
    slot.worker = worker;
    slot.port = port1;
    port1.on('message', (r: SelectRequest | HelpRequest) => {
      if ('kind' in r) this.lend(slot, worker, r);
      else void this.serveSelect(slot, worker, r);
    });
    port1.unref();
    worker.on('message', (a: QueryAnswer | HelpDone) => {
      if ('helped' in a) {
        this.helped += a.helped;
        return;
      }
      if (slot.worker !== worker || !slot.busy || slot.busy.id !== a.id) return;
      if (a.ok) this.finish(slot, a.json, null);
      else if (a.errorType === 'internal') this.finish(slot, null, new Error(a.message));
      else this.finish(slot, null, new PromQLError(a.errorType, a.message));
    });
    worker.on('error', (e: Error & { code?: string }) => {
      if (slot.worker !== worker) return;
      const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.opts.log?.error('query worker failed', { err: e.message });
      const err = oom
        ? new PromQLError('execution', `query processing ran out of memory in query execution (query worker heap limit ${this.opts.heapLimitMb ?? 2048} MiB)`)
        : new Error(`query worker failed: ${e.message}`);
      void this.retire(slot, err);
    });
    worker.on('exit', () => {
      if (slot.worker === worker) void this.retire(slot, new Error('query worker exited'));
    });
    return worker;
  }

  /**
   * Answers a worker's select: long selections of few series in time slices with the event loop
   * free in between, each slice sized from the last one's duration; stops past the deadline or
   * when the query is over.
   */
  private async serveSelect(slot: Slot, worker: Worker, r: SelectRequest): Promise<void> {
    const live = () => slot.worker === worker && slot.busy !== null && slot.busy.id === r.qid;
    const send = (a: SelectAnswer, transfer: ArrayBuffer[] = []) => {
      if (!live()) return false;
      slot.port!.postMessage(a, transfer);
      Atomics.store(slot.flag, 0, 1);
      Atomics.notify(slot.flag, 0);
      return true;
    };
    try {
      const matchers = r.matchers.map(([type, name, value]) => new Matcher(type, name, value));
      const remote = this.opts.remoteRead ? await this.opts.remoteRead.prefetch(matchers, r.mint, r.maxt) : null;
      let querier: Querier | null = null;
      if (r.split && remote === null) {
        const split = this.splitQuerier(r);
        if (split !== null && !send(split.blocks)) return;
        querier = split?.head ?? null;
      }
      if (querier === null) {
        const local = this.opts.storage.querier(r.qmint, r.qmaxt);
        querier = remote ? new MergeQuerier([remote, local]) : local;
      }
      const range = r.maxt - r.mint + 1;
      let span = range <= SLICE_MIN_RANGE_MS * 1.25 ? range : SLICE_MIN_RANGE_MS;
      for (let lo = r.mint; lo <= r.maxt; ) {
        if (Date.now() >= r.deadline) {
          send({ rid: r.rid, kind: 'failed', errorType: 'timeout', message: 'query timed out in expression evaluation' });
          return;
        }
        const hi = Math.min(r.maxt, lo + span - 1);
        const t0 = performance.now();
        const series = querier.select(matchers, lo, hi);
        const elapsed = performance.now() - t0;
        const batch = packSeries(r.rid, series);
        if (!send(batch, [batch.data.buffer as ArrayBuffer, batch.labelLens.buffer as ArrayBuffer])) return;
        lo = hi + 1;
        if (lo > r.maxt) break;
        // Many series: the rest at once (each slice re-walks every series). An empty slice says
        // nothing of the data ahead: grow ×4. Else size the next slice from this one's cost.
        if (series.length > SLICE_MAX_SERIES) span = r.maxt - lo + 1;
        else if (series.length === 0) span *= 4;
        else span = Math.max(1, Math.round(span * Math.min(8, Math.max(0.25, SLICE_TARGET_MS / Math.max(elapsed, 0.5)))));
        await new Promise((res) => setImmediate(res));
      }
      send({ rid: r.rid, kind: 'done' });
    } catch (e) {
      send({ rid: r.rid, kind: 'failed', errorType: 'execution', message: e instanceof Error ? e.message : String(e) });
    }
  }

  /**
   * For a split select: the blocks message and the head's querier, or null when the storage
   * cannot be split or an overlapping block has deleted intervals (those stay on this thread,
   * where deletions update them).
   */
  private splitQuerier(r: SelectRequest): { blocks: SelectBlocks; head: Querier } | null {
    const st = this.opts.storage;
    if (st.openBlocks === undefined || st.head === undefined) return null;
    const all = st.openBlocks();
    const hit: Block[] = [];
    for (const b of all) {
      if (!b.overlaps(r.qmint, r.qmaxt)) continue;
      if (b.tombstones.size > 0) return null;
      hit.push(b);
    }
    const blocks: SelectBlocks = {
      rid: r.rid,
      kind: 'blocks',
      blocks: hit.map((b) => ({ ulid: b.meta.ulid, dir: b.dir })),
      live: all.map((b) => b.meta.ulid),
    };
    return { blocks, head: st.head.querier(r.qmint, r.qmaxt) };
  }
}

/** Longest delay `setTimeout` takes (longer ones fire at once); later deadlines get no timer. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** `setTimeout(fn, ms)`, or nothing when `ms` is beyond what a timer can wait. */
function timer(ms: number, fn: () => void): NodeJS.Timeout | undefined {
  return ms > MAX_TIMER_MS ? undefined : setTimeout(fn, Math.max(0, ms));
}

/**
 * Starts `query-worker` next to this module: the compiled `.js` in a build (in the bundle,
 * `import.meta.url` is the bundle's, and scripts/bundle.mjs writes `query-worker.js` beside it), or
 * the `.ts` source through tsx's loader when running from sources (tests, `tsx`).
 */
function startWorker(init: WorkerInit, transfer: MessagePort[], resourceLimits: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number; stackSizeMb: number }): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './query-worker.ts' : './query-worker.js', import.meta.url);
  if (!fromSource) return new Worker(url, { workerData: init, transferList: transfer, resourceLimits });
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`;
  return new Worker(boot, { eval: true, workerData: init, transferList: transfer, resourceLimits });
}
