/** Body buffers between scrapes: which a loop keeps, and the pool big ones are lent from. */
import { describe, expect, it } from 'vitest';
import { BodyBufferPool, KEEP_BODY_BUFFER_MAX_BYTES } from '../../../src/scrape/body-pool.js';
import { bodyBufferFate } from '../../../src/scrape/loop.js';

describe('bodyBufferFate', () => {
  it('keeps a buffer of at most 256 KiB the body filled to a quarter or more', () => {
    expect(KEEP_BODY_BUFFER_MAX_BYTES).toBe(256 * 1024);
    expect(bodyBufferFate(Buffer.alloc(100 * 1024), 90 * 1024)).toBe('keep');
    expect(bodyBufferFate(Buffer.alloc(100 * 1024), 25 * 1024)).toBe('keep');
    expect(bodyBufferFate(Buffer.alloc(KEEP_BODY_BUFFER_MAX_BYTES), KEEP_BODY_BUFFER_MAX_BYTES)).toBe('keep');
  });

  it('drops a small buffer more than four times the body (the body shrank)', () => {
    expect(bodyBufferFate(Buffer.alloc(100 * 1024), 25 * 1024 - 1)).toBe('drop');
  });

  it('pools a buffer above 256 KiB, however full', () => {
    expect(bodyBufferFate(Buffer.alloc(KEEP_BODY_BUFFER_MAX_BYTES + 1), KEEP_BODY_BUFFER_MAX_BYTES + 1)).toBe('pool');
    expect(bodyBufferFate(Buffer.alloc(850_000), 1000)).toBe('pool');
  });
});

describe('BodyBufferPool', () => {
  it('lends its largest buffer first and is empty after lending all', () => {
    const pool = new BodyBufferPool(10_000);
    const [a, b, c] = [Buffer.alloc(1000), Buffer.alloc(3000), Buffer.alloc(2000)];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect([pool.size, pool.bytesHeld]).toEqual([3, 6000]);
    expect(pool.take()).toBe(b);
    expect(pool.take()).toBe(c);
    expect(pool.take()).toBe(a);
    expect(pool.take()).toBeUndefined();
    expect([pool.size, pool.bytesHeld]).toEqual([0, 0]);
  });

  it('drops its smallest buffers beyond its byte limit, the one given included', () => {
    const pool = new BodyBufferPool(5000);
    const [a, b, c] = [Buffer.alloc(2000), Buffer.alloc(3000), Buffer.alloc(1000)];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect([pool.size, pool.bytesHeld]).toEqual([2, 5000]);
    expect([pool.take(), pool.take()]).toEqual([b, a]);
    pool.give(Buffer.alloc(6000));
    expect([pool.size, pool.bytesHeld]).toEqual([0, 0]);
  });
});
