/**
 * WAL upkeep of a {@link TSDB}, as upstream's `DB.truncateWAL`: the current segment is completed
 * once its oldest sample is {@link SEGMENT_SPAN_MS} old; after compaction wrote a range to a block,
 * the live series of the completed segments whose samples are all older are written to a
 * checkpoint (`<wal>/checkpoint.NNNNNNNN`), then those segments and older checkpoints are deleted.
 * The checkpoint is written in slices of {@link CHECKPOINT_SLICE_SERIES} series, one per event-loop
 * turn. Errors are logged and counted in the `prometheus_tsdb_checkpoint_*` / `wal_truncations*`
 * metrics, never thrown.
 */
import type { Logger } from '../log.js';
import type { Head } from './head.js';
import { CheckpointEncoder } from './head_wal.js';
import type { WALMetrics } from './metrics.js';
import { CheckpointWriter, deleteCheckpointsBefore } from './wal/checkpoint.js';
import type { WAL } from './wal/wal.js';

/**
 * A WAL segment is completed once its oldest sample is this old (ms), so compaction can delete WAL
 * history in steps of about this size even when ingestion is too slow to fill 128 MiB segments
 * (2 h, the span of upstream's head before it is compacted to a block).
 */
const SEGMENT_SPAN_MS = 2 * 3600_000;

/**
 * Series written per checkpoint slice (one record, one event-loop turn): ~10 ms of encoding, so a
 * checkpoint of a large head never blocks the event loop for long.
 */
const CHECKPOINT_SLICE_SERIES = 10_000;

/** A checkpoint being written, slice by slice. */
interface CheckpointJob {
  /** Segments up to this index are covered and deleted when the checkpoint is complete. */
  readonly last: number;
  readonly encoder: CheckpointEncoder;
  readonly writer: CheckpointWriter;
}

/** Segment rotation and checkpoint-based truncation of one WAL (see the module doc). */
export class WALTruncation {
  private job: CheckpointJob | null = null;
  private waiting: (() => void)[] = [];

  /** `now` gives the clock in ms since the epoch. */
  constructor(
    private readonly wal: WAL,
    private readonly head: Head,
    private readonly metrics: WALMetrics,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Completes the current segment once its oldest sample is {@link SEGMENT_SPAN_MS} old. */
  rotateSegment(): void {
    const wal = this.wal;
    try {
      const cur = wal.currentSegment();
      if (!wal.currentSegmentEmpty() && wal.segmentRange(cur)!.minT <= this.now() - SEGMENT_SPAN_MS) wal.nextSegment();
    } catch (e) {
      this.log.error('Starting a new WAL segment failed', { err: e });
    }
  }

  /**
   * After the head dropped the data before `cutoff` (ms; a block now holds it): rotates the
   * segment, then starts checkpointing the completed segments whose samples are all older (unless
   * a checkpoint is already being written); they are deleted once it is complete.
   */
  truncate(cutoff: number): void {
    const wal = this.wal;
    const m = this.metrics;
    this.rotateSegment();
    if (this.job !== null) return;
    let last = -1;
    for (const i of wal.segments()) {
      if (i === wal.currentSegment() || wal.segmentRange(i)!.maxT >= cutoff) break;
      last = i;
    }
    if (last < 0) return;
    m.checkpointCreations.inc();
    try {
      this.job = { last, encoder: new CheckpointEncoder(this.head), writer: new CheckpointWriter(wal.dir, last) };
    } catch (e) {
      m.checkpointCreationsFailed.inc();
      this.log.error('Creating WAL checkpoint failed', { checkpoint: last, err: e });
      return;
    }
    this.slice(this.job);
  }

  /**
   * Resolves once no checkpoint is being written (at once when none is). One abandoned by
   * {@link abort} counts as settled.
   */
  settled(): Promise<void> {
    if (this.job === null) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Abandons an unfinished checkpoint (its segments stay); for closing the TSDB. */
  abort(): void {
    if (this.job === null) return;
    this.job.writer.abort();
    this.end();
  }

  /** Writes one slice of checkpoint `job`; schedules the next, or completes the truncation. */
  private slice(job: CheckpointJob): void {
    if (this.job !== job) return;
    const m = this.metrics;
    try {
      job.encoder.encodeNext(CHECKPOINT_SLICE_SERIES, (rec) => job.writer.add(rec));
      if (job.encoder.remaining > 0) {
        setImmediate(() => this.slice(job));
        return;
      }
      job.writer.finish();
    } catch (e) {
      m.checkpointCreationsFailed.inc();
      this.log.error('Creating WAL checkpoint failed', { checkpoint: job.last, err: e });
      job.writer.abort();
      this.end();
      return;
    }
    this.end();
    m.truncations.inc();
    try {
      this.wal.removeSegmentsUpTo(job.last);
    } catch (e) {
      m.truncationsFailed.inc();
      this.log.error('Deleting WAL segments failed', { upTo: job.last, err: e });
    }
    m.checkpointDeletions.inc();
    try {
      deleteCheckpointsBefore(this.wal.dir, job.last);
    } catch (e) {
      m.checkpointDeletionsFailed.inc();
      this.log.error('Deleting old WAL checkpoints failed', { before: job.last, err: e });
    }
  }

  private end(): void {
    this.job = null;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}
