/**
 * Body buffers shared by the scrape loops. A loop keeps the buffer of a small body for its own
 * next scrape (reuse saves one allocation a scrape, which matters for small bodies scraped often);
 * a bigger buffer goes back to a {@link BodyBufferPool} instead, for whichever loop scrapes next.
 * Scrapes are spread over the interval, so few run at once and a few big buffers serve every
 * target: at 1M series (100 targets of 10,000 series, ~850 KB bodies, 15 s) a buffer kept per loop
 * held ~85 MiB, and buffers dropped after each scrape would wait as garbage for the next GC.
 */

/** Largest body buffer a loop keeps for itself between scrapes (bytes); bigger ones are pooled. */
export const KEEP_BODY_BUFFER_MAX_BYTES = 256 * 1024;

/** Bytes of buffers a pool holds at most (beyond it, its smallest buffers are dropped). */
export const MAX_POOLED_BODY_BYTES = 16 * 1024 * 1024;

/** A few idle body buffers, lent for one scrape at a time. */
export class BodyBufferPool {
  private readonly free: Buffer[] = [];
  private bytes = 0;

  /** @param maxBytes total bytes of the buffers held at most */
  constructor(readonly maxBytes = MAX_POOLED_BODY_BYTES) {}

  /** Takes the largest idle buffer out of the pool; undefined when there is none. */
  take(): Buffer | undefined {
    const f = this.free;
    if (f.length === 0) return undefined;
    let best = 0;
    for (let i = 1; i < f.length; i++) if (f[i]!.length > f[best]!.length) best = i;
    const b = f[best]!;
    f[best] = f[f.length - 1]!;
    f.pop();
    this.bytes -= b.length;
    return b;
  }

  /**
   * Returns `b` (no longer read into or parsed) to the pool; then drops the smallest buffers while
   * the pool holds more than {@link maxBytes} (possibly `b` itself).
   */
  give(b: Buffer): void {
    this.free.push(b);
    this.bytes += b.length;
    while (this.bytes > this.maxBytes) {
      const f = this.free;
      let smallest = 0;
      for (let i = 1; i < f.length; i++) if (f[i]!.length < f[smallest]!.length) smallest = i;
      this.bytes -= f[smallest]!.length;
      f[smallest] = f[f.length - 1]!;
      f.pop();
    }
  }

  /** Number of idle buffers held. */
  get size(): number {
    return this.free.length;
  }

  /** Bytes of the idle buffers held. */
  get bytesHeld(): number {
    return this.bytes;
  }
}

/** The pool every scrape loop of the process shares. */
export const sharedBodyBuffers = new BodyBufferPool();
