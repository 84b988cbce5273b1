/**
 * The owner's rows computed ahead of their turn in a split range-function evaluation (see
 * `range-split.ts`): while the helper holds the next unit to fold, the owner computes a later one
 * here, and folds it when its turn comes.
 */
import type { Labels } from '../model/labels.js';

/**
 * Rows the owner computed ahead of their turn to be folded: up to `slots` units, each slot
 * holding one unit's rows (value and presence per step, points and labels per series).
 */
export class OwnerRows {
  /** The slots' rows, made when first needed. */
  private values = new Float64Array(0);
  private presence = new Uint8Array(0);
  private readonly points: Int32Array;
  private readonly labels: Labels[];
  /** Per unit: the slot holding it, or −1. */
  private readonly slotOf: Int32Array;
  private readonly free: number[] = [];

  constructor(
    private readonly slots: number,
    private readonly unitSize: number,
    private readonly steps: number,
    units: number,
  ) {
    this.points = new Int32Array(slots * unitSize);
    this.labels = new Array<Labels>(slots * unitSize);
    this.slotOf = new Int32Array(units).fill(-1);
    for (let k = slots - 1; k >= 0; k--) this.free.push(k);
  }

  /** Whether a slot is free. */
  room(): boolean {
    return this.free.length > 0;
  }

  /** Whether unit u's rows are held here. */
  holds(u: number): boolean {
    return this.slotOf[u]! >= 0;
  }

  /**
   * Computes the rows of unit u (series [from, to)) into a free slot with `row`, which fills a
   * zeroed row and returns its points, the row's labels then given by `labels`.
   */
  compute(u: number, from: number, to: number, row: (i: number, vs: Float64Array, has: Uint8Array) => number, labels: () => Labels): void {
    const slot = this.free.pop()!;
    this.slotOf[u] = slot;
    const n = this.steps;
    if (this.values.length === 0) {
      this.values = new Float64Array(this.slots * this.unitSize * n);
      this.presence = new Uint8Array(this.slots * this.unitSize * n);
    }
    for (let i = from; i < to; i++) {
      const k = slot * this.unitSize + (i - from);
      const vs = this.values.subarray(k * n, (k + 1) * n);
      const has = this.presence.subarray(k * n, (k + 1) * n);
      vs.fill(0);
      has.fill(0);
      const points = row(i, vs, has);
      this.points[k] = points;
      if (points > 0) this.labels[k] = labels();
    }
  }

  /** Calls `each` for the rows with points of unit u (its `size` series, in order), and frees its slot. */
  fold(u: number, size: number, each: (labels: Labels, vs: Float64Array, has: Uint8Array, points: number) => void): void {
    const slot = this.slotOf[u]!;
    const n = this.steps;
    for (let j = 0; j < size; j++) {
      const k = slot * this.unitSize + j;
      const points = this.points[k]!;
      if (points === 0) continue;
      each(this.labels[k]!, this.values.subarray(k * n, (k + 1) * n), this.presence.subarray(k * n, (k + 1) * n), points);
    }
    this.slotOf[u] = -1;
    this.free.push(slot);
  }
}
