/**
 * A split range function (range-split.ts) racing a series deletion (admin `delete_series`, which
 * writes tombstones into a block in place): the owner reads the block it opened before the
 * deletion, the helper opens it after. The answer must be the one before or the one after the
 * deletion, never a mix of the two views.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromObject } from '../../../src/model/labels.js';
import { Matcher } from '../../../src/model/matcher.js';
import { Engine } from '../../../src/promql/index.js';
import type { SplitQuerier } from '../../../src/promql/engine/range-rows.js';
import { Block, type BlockQuerier } from '../../../src/tsdb/block/block.js';
import { MergeQuerier } from '../../../src/tsdb/merge_querier.js';
import type { Storage } from '../../../src/tsdb/types.js';
import { executeQuery, type QueryRequest } from '../../../src/web/query-exec.js';
import { deferSelection, helpWith, type HelpJob } from '../../../src/web/range-split.js';
import { writeTestBlock, type TestSeries } from '../tsdb/support.js';

const MIN = 60_000;
const H = 60 * MIN;
const T0 = 1_000 * 2 * H;

/** The storage over `block` alone, as the main thread merges it. */
function plainStorage(block: Block): Pick<Storage, 'querier'> {
  return { querier: (qmint, qmaxt) => new MergeQuerier([block.querier(qmint, qmaxt)]) };
}

/** The storage over `owner` (the owner's open block), deferring selections; `ask` runs the helper. */
function splitStorage(owner: Block, ask: (job: HelpJob) => void): Pick<Storage, 'querier'> {
  return {
    querier: (qmint, qmaxt): SplitQuerier => {
      const plain = plainStorage(owner).querier(qmint, qmaxt);
      return {
        ...plain,
        select: plain.select.bind(plain),
        deferSelect: (ms, mint, maxt) => {
          const list = { blocks: [{ ulid: owner.meta.ulid, dir: owner.dir }], live: [owner.meta.ulid] };
          const merged = (qs: BlockQuerier[]) => new MergeQuerier(qs).select(ms, mint, maxt);
          return deferSelection({ blocks: [owner], list, head: [] }, qmint, qmaxt, ms, mint, maxt, merged, ask);
        },
      };
    },
  };
}

describe('split range rows racing a series deletion', () => {
  let dir: string;
  let blockDir: string;
  const engine = new Engine();
  const r: QueryRequest = {
    kind: 'range',
    query: 'sum(rate(req_total[5m]))',
    start: T0 + 60 * MIN,
    end: T0 + 110 * MIN,
    step: 60_000,
    deadline: Infinity,
    lookbackDeltaMs: 0,
    limit: 0,
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lookout-split-delete-'));
    const series: TestSeries[] = [];
    for (let i = 0; i < 100; i++) {
      series.push([[...fromObject({ __name__: 'req_total', inst: `i${String(i).padStart(3, '0')}` })], T0, 15_000, 480, (k) => k * (i + 1)]);
    }
    writeTestBlock(dir, T0, T0 + 2 * H, series);
    blockDir = join(dir, readdirSync(dir)[0]!);
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives the answer before or after the deletion', () => {
    const owner = Block.open(blockDir);
    const helperBlocks: Block[] = [];
    try {
      const before = executeQuery(engine, plainStorage(owner), r);
      let asked = 0;
      const got = executeQuery(
        engine,
        splitStorage(owner, (job) => {
          asked++;
          // delete_series lands between the owner's select and the helper opening the block.
          const admin = Block.open(blockDir);
          expect(admin.delete([new Matcher('=', '__name__', 'req_total')], -Infinity, Infinity)).toBe(100);
          admin.close();
          helpWith(job, () => {
            const b = Block.open(blockDir);
            helperBlocks.push(b);
            return [b];
          });
        }),
        r,
      );
      const deleted = Block.open(blockDir);
      helperBlocks.push(deleted);
      const after = executeQuery(engine, plainStorage(deleted), r);
      expect(asked).toBe(1);
      expect(before).not.toBe(after);
      expect([before, after]).toContain(got);
    } finally {
      owner.close();
      for (const b of helperBlocks) b.close();
    }
  });
});
