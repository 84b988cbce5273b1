/**
 * The head ⇄ WAL bridge, as Prometheus's `head_wal.go`: {@link HeadWALLog} turns committed batches
 * into series and samples records, and deletions into tombstones records; {@link replayWAL} rebuilds a head from the newest checkpoint and
 * the segments after it, repairing a damaged segment by truncating it at the first bad record (and
 * deleting the segments after it) with a logged warning instead of failing to start.
 */
import { readFileSync, rmSync, truncateSync } from 'node:fs';
import type { Logger } from '../log.js';
import type { Labels } from '../model/labels.js';
import { HI } from './chunkenc/floatbits.js';
import { Encbuf, StringCache } from './encoding.js';
import type { Head, HeadLog } from './head.js';
import { SampleOutcome } from './head.js';
import type { AppendBatch, ExemplarBatch } from './head_append.js';
import type { WALMetrics } from './metrics.js';
import { deleteCheckpointsBefore, listCheckpoints, removeTmpCheckpoints } from './wal/checkpoint.js';
import { decodeExemplars, decodeSamples, decodeSeries, encodeExemplars, encodeSamples, encodeSeries, RecordType, recordType, SampleBatch } from './wal/record.js';
import { listSegments, readSegment, segmentPath } from './wal/segment.js';
import type { WAL } from './wal/wal.js';
import { decodeTombstonesRecord, encodeTombstonesRecord } from './tombstones.js';

/**
 * Writes each commit of a head to a {@link WAL}: a series record for new series, a samples record
 * and an exemplars record, in one write.
 */
export class HeadWALLog implements HeadLog {
  private readonly seriesBuf = new Encbuf(4096);
  private readonly samplesBuf = new Encbuf(64 * 1024);

  constructor(
    private readonly wal: WAL,
    private readonly head: Head,
  ) {}

  /** See {@link HeadLog.logCommit}. @throws {WALWriteError} when the write fails. */
  logCommit(newSeries: readonly number[], batch: AppendBatch | null, exemplars: ExemplarBatch | null = null): void {
    const records: Uint8Array[] = [];
    if (newSeries.length > 0) {
      this.seriesBuf.reset();
      encodeSeries(this.seriesBuf, newSeries, 0, newSeries.length, (ref) => this.head.labelsOf(ref)!);
      records.push(this.seriesBuf.bytes());
    }
    let minT = Infinity;
    let maxT = -Infinity;
    if (batch !== null && batch.n > 0) {
      this.samplesBuf.reset();
      encodeSamples(this.samplesBuf, batch.refs, batch.ts, batch.vbits, batch.n, HI);
      records.push(this.samplesBuf.bytes());
      minT = batch.minT;
      maxT = batch.maxT;
    }
    if (exemplars !== null && exemplars.n > 0) {
      const enc = new Encbuf(64 + exemplars.n * 64);
      encodeExemplars(enc, exemplars.refs, exemplars.labels, exemplars.values, exemplars.ts, exemplars.n);
      records.push(enc.bytes());
    }
    if (records.length > 0) this.wal.log(records, minT, maxT);
  }

  /** See {@link HeadLog.logTombstones}: one tombstones record. @throws {WALWriteError} when the write fails. */
  logTombstones(entries: readonly number[]): void {
    const enc = new Encbuf(16 + entries.length * 8);
    encodeTombstonesRecord(enc, entries);
    this.wal.log([enc.bytes()], Infinity, -Infinity);
  }
}

/**
 * Encodes checkpoint records — series records for the series live when it was created — in slices,
 * so a checkpoint of a large head can be spread over several event-loop turns. Series removed
 * between slices are skipped. Encodes straight from the head's symbol ids, each distinct string's
 * bytes encoded once.
 */
export class CheckpointEncoder {
  private readonly refs: Int32Array;
  private next = 0;
  private readonly symOff: Int32Array;
  private readonly symLen: Uint16Array;
  private readonly syms = new Encbuf(64 * 1024);
  private readonly enc = new Encbuf(1 << 20);
  /** Symbol ids of the series being encoded. */
  private ids = new Uint32Array(64);

  constructor(private readonly head: Head) {
    const live: number[] = [];
    head.forEachRef((ref) => live.push(ref));
    this.refs = Int32Array.from(live);
    this.symOff = new Int32Array(head.cols.symbols.strings.length).fill(-1);
    this.symLen = new Uint16Array(head.cols.symbols.strings.length);
  }

  /** Series not encoded yet. */
  get remaining(): number {
    return this.refs.length - this.next;
  }

  /**
   * Encodes the next `maxSeries` series as one record and passes it to `emit` (a view valid during
   * the call); emits nothing when all of them were removed meanwhile. The last slice also emits an
   * exemplars record with the stored exemplars and a tombstones record with the deleted intervals
   * of the live series, as upstream's checkpoint keeps both.
   */
  encodeNext(maxSeries: number, emit: (rec: Uint8Array) => void): void {
    const head = this.head;
    const cols = head.cols;
    const strings = cols.symbols.strings;
    const enc = this.enc;
    const end = Math.min(this.refs.length, this.next + maxSeries);
    enc.reset();
    enc.putByte(RecordType.Series);
    for (; this.next < end; this.next++) {
      const ref = this.refs[this.next]!;
      if (!head.isLive(ref)) continue;
      if (cols.labelLen[ref]! > this.ids.length) this.ids = new Uint32Array(cols.labelLen[ref]!);
      const n = cols.labelIds(ref, this.ids);
      enc.putBE64int(ref);
      enc.putUvarint(n >> 1);
      for (let i = 0; i < n; i++) {
        // Ids of a series alive since the snapshot keep their string, so cached bytes stay valid.
        const id = this.ids[i]!;
        if (id >= this.symOff.length) {
          enc.putUvarintStr(strings[id]!);
          continue;
        }
        let so = this.symOff[id]!;
        if (so < 0) {
          so = this.syms.len;
          this.syms.putUvarintStr(strings[id]!);
          this.symOff[id] = so;
          this.symLen[id] = this.syms.len - so;
        }
        const len = this.symLen[id]!;
        enc.reserve(len);
        const src = this.syms.buf;
        const dst = enc.buf;
        let d = enc.len;
        for (let k = so; k < so + len; k++) dst[d++] = src[k]!;
        enc.len = d;
      }
    }
    if (enc.len > 1) emit(enc.bytes());
    if (this.next >= this.refs.length && head.exemplars !== null && head.exemplars.size > 0) {
      const ex = { refs: [] as number[], labels: [] as Labels[], values: [] as number[], ts: [] as number[] };
      head.exemplars.forEach((ref, ls, value, t) => {
        if (!head.isLive(ref)) return;
        ex.refs.push(ref);
        ex.labels.push(ls);
        ex.values.push(value);
        ex.ts.push(t);
      });
      if (ex.refs.length > 0) {
        enc.reset();
        encodeExemplars(enc, ex.refs, ex.labels, ex.values, ex.ts, ex.refs.length);
        emit(enc.bytes());
      }
    }
    if (this.next >= this.refs.length && head.tombstones.size > 0) {
      const entries: number[] = [];
      head.tombstones.forEach((ref, ivs) => {
        if (!head.isLive(ref)) return;
        for (let i = 0; i < ivs.length; i += 2) entries.push(ref, ivs[i]!, ivs[i + 1]!);
      });
      if (entries.length > 0) {
        enc.reset();
        encodeTombstonesRecord(enc, entries);
        emit(enc.bytes());
      }
    }
  }
}

/** What {@link replayWAL} found. */
export interface ReplayResult {
  /** Series records applied. */
  series: number;
  /** Samples applied. */
  samples: number;
  /** Samples skipped because their series is unknown (its record was lost or expired). */
  unknownRefs: number;
  /** Samples skipped because they are older than `minValidTime`: already in a block. */
  inBlocks: number;
  /** Damaged segments found (each was truncated). */
  corruptions: number;
  /** Sample time range (ms) of every remaining segment, for the WAL's truncation after compaction. */
  segmentRanges: Map<number, { minT: number; maxT: number }>;
}

/**
 * Replays the WAL in `walDir` into `head`: the newest checkpoint, then every later segment.
 * Samples older than `minValidTime` (ms; the newest block's end) are skipped, as upstream: they are
 * in a block already. A damaged segment is truncated at its first bad
 * record and the segments after it are deleted (counted in `prometheus_tsdb_wal_corruptions_total`,
 * logged as a warning); a damaged checkpoint is read up to the damage. Leftovers of an interrupted
 * checkpoint (a `.tmp` directory, segments already covered by the checkpoint, older checkpoints) are
 * removed. With `readOnly` (tools reading the directory of a running server) nothing is changed on
 * disk: replay stops at the damage and leftovers are skipped.
 * @throws {Error} (fs errors) only when files cannot be read, truncated or removed.
 */
export function replayWAL(head: Head, walDir: string, minValidTime: number, log: Logger, metrics?: WALMetrics, readOnly = false): ReplayResult {
  const result: ReplayResult = { series: 0, samples: 0, unknownRefs: 0, inBlocks: 0, corruptions: 0, segmentRanges: new Map() };
  if (!readOnly) removeTmpCheckpoints(walDir);
  const batch = new SampleBatch();
  const assembly = new Encbuf(64 * 1024);
  const refMap = new Map<number, number>();
  const strings = new StringCache();
  let unknownTypes = 0;
  let undecodable = 0;
  let headMin = Infinity;
  let headMax = -Infinity;
  let range = { minT: Infinity, maxT: -Infinity };

  const apply = (rec: Uint8Array): void => {
    try {
      switch (recordType(rec)) {
        case RecordType.Series:
          decodeSeries(rec, (ref, ls) => {
            const got = head.replaySeries(ref, ls);
            if (got === 0) return;
            result.series++;
            if (got !== ref) refMap.set(ref, got);
          }, strings);
          break;
        case RecordType.Samples: {
          const n = decodeSamples(rec, batch);
          for (let i = 0; i < n; i++) {
            const t = batch.ts[i]!;
            if (t < range.minT) range.minT = t;
            if (t > range.maxT) range.maxT = t;
            if (t < minValidTime) {
              result.inBlocks++;
              continue;
            }
            let ref = batch.refs[i]!;
            if (refMap.size > 0) ref = refMap.get(ref) ?? ref;
            const r = head.applySample(ref, t, batch.hi[i]!, batch.lo[i]!);
            if (r === SampleOutcome.Appended) {
              result.samples++;
              if (t < headMin) headMin = t;
              if (t > headMax) headMax = t;
            } else if (r === SampleOutcome.UnknownSeries) {
              result.unknownRefs++;
            }
          }
          break;
        }
        case RecordType.Exemplars:
          // As upstream, exemplars are not subject to the samples' `minValidTime`.
          decodeExemplars(rec, (ref, ls, value, t) => head.replayExemplar(refMap.size > 0 ? (refMap.get(ref) ?? ref) : ref, ls, value, t));
          break;
        case RecordType.Tombstones:
          decodeTombstonesRecord(rec, (ref, mint, maxt) => {
            const r = refMap.size > 0 ? (refMap.get(ref) ?? ref) : ref;
            if (head.isLive(r)) head.tombstones.add(r, mint, maxt);
          });
          break;
        default:
          unknownTypes++;
      }
    } catch {
      undecodable++;
    }
  };

  const checkpoint = listCheckpoints(walDir).pop();
  let first = 0;
  if (checkpoint) {
    first = checkpoint.index + 1;
    for (const i of listSegments(checkpoint.dir)) {
      const res = readSegment(readFileSync(segmentPath(checkpoint.dir, i)), assembly, apply);
      if (res.error !== null) {
        result.corruptions++;
        metrics?.corruptions.inc();
        log.warn('WAL checkpoint is damaged; series after the damage are lost', {
          checkpoint: checkpoint.dir,
          segment: i,
          offset: res.validEnd,
          err: res.error,
        });
        break;
      }
    }
    if (!readOnly) deleteCheckpointsBefore(walDir, checkpoint.index);
  }

  const segments = listSegments(walDir);
  for (let k = 0; k < segments.length; k++) {
    const i = segments[k]!;
    const path = segmentPath(walDir, i);
    if (i < first) {
      if (!readOnly) rmSync(path, { force: true });
      continue;
    }
    range = { minT: Infinity, maxT: -Infinity };
    result.segmentRanges.set(i, range);
    const res = readSegment(readFileSync(path), assembly, apply);
    if (res.error === null) continue;
    result.corruptions++;
    metrics?.corruptions.inc();
    const later = segments.slice(k + 1);
    if (readOnly) {
      log.warn('WAL segment is damaged or still being written; reading stops at its last good record', {
        segment: path,
        offset: res.validEnd,
        err: res.error,
        later_segments: later.length,
      });
    } else {
      log.warn('WAL segment is damaged; truncating it at the last good record and deleting later segments', {
        segment: path,
        offset: res.validEnd,
        err: res.error,
        deleted_segments: later.length,
      });
      truncateSync(path, res.validEnd);
      for (const j of later) rmSync(segmentPath(walDir, j), { force: true });
    }
    break;
  }
  if (unknownTypes > 0) log.warn('WAL replay skipped records of unknown type', { records: unknownTypes });
  if (undecodable > 0) log.warn('WAL replay skipped malformed records', { records: undecodable });
  if (result.unknownRefs > 0) log.warn('WAL replay skipped samples of unknown series references', { samples: result.unknownRefs });
  if (headMin <= headMax) head.noteTimeRange(headMin, headMax);
  return result;
}
