/**
 * Test setup: property tests (fast-check) run with a fixed seed so CI is repeatable; set
 * `FC_SEED=<n>` to replay a seed or `FC_SEED=random` (with `FC_RUNS=<n>` for more cases) for an
 * exploratory run.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED;
const runs = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : undefined;
fc.configureGlobal({
  ...(seed === 'random' ? {} : { seed: seed ? Number(seed) : 20261129 }),
  ...(runs ? { numRuns: runs } : {}),
});
