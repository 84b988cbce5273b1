/**
 * Fuzzing helpers: inputs made by mutating valid seeds (insert, delete, replace, duplicate,
 * truncate, with tokens that matter to the grammar under test), and the property every parser
 * must keep — it returns, or throws its module's typed error; never another exception, never a
 * hang (a case taking longer than {@link CASE_BOUND_MS} fails: JavaScript cannot interrupt
 * synchronous code, so a hang shows up as a case far past the bound, or as the test timeout).
 *
 * Runs: the modest per-suite default keeps `test/fuzz` under ~30 s with the fixed seed of
 * test/support/setup.ts; `npm run fuzz` (`FC_SEED=random FC_RUNS=20000`) overrides both.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { SHARED } from '../support/shared.js';

/** Most milliseconds one parse may take (generous: the machine is shared and slow at times). */
export const CASE_BOUND_MS = 2000;

/** Per-test timeout: vitest's 30 s, or 30 min for a long `npm run fuzz` run (`FC_RUNS` set). */
export const FUZZ_TIMEOUT_MS = process.env.FC_RUNS ? 30 * 60_000 : 30_000;

/** fast-check parameters: `numRuns` unless `FC_RUNS` set a global count. */
export function runs(numRuns: number): fc.Parameters<unknown> {
  return process.env.FC_RUNS ? {} : { numRuns };
}

type Mutation = { kind: 0 | 1 | 2 | 3 | 4; pos: number; len: number; text: string };

function applyMutation(s: string, m: Mutation): string {
  const pos = s.length === 0 ? 0 : m.pos % (s.length + 1);
  switch (m.kind) {
    case 0:
      return s.slice(0, pos) + m.text + s.slice(pos);
    case 1:
      return s.slice(0, pos) + s.slice(pos + m.len);
    case 2:
      return s.slice(0, pos) + m.text + s.slice(pos + m.text.length);
    case 3:
      return s.slice(0, pos) + s.slice(pos, pos + m.len) + s.slice(pos);
    default:
      return s.slice(0, pos);
  }
}

/**
 * Strings made from `seeds` by up to `maxMutations` edits whose inserted text is one of `tokens`,
 * a random short string, or random unicode; plus wholly random strings of those tokens.
 */
export function mutatedText(seeds: readonly string[], tokens: readonly string[], maxMutations = 6): fc.Arbitrary<string> {
  const text = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...tokens) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
  );
  const mutation = fc.record({
    kind: fc.constantFrom(0, 1, 2, 3, 4) as fc.Arbitrary<0 | 1 | 2 | 3 | 4>,
    pos: fc.nat(),
    len: fc.integer({ min: 1, max: 12 }),
    text,
  });
  const edited = fc.tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: maxMutations })).map(([seed, ms]) => ms.reduce(applyMutation, seed));
  const random = fc.array(text, { maxLength: 30 }).map((parts) => parts.join(''));
  return fc.oneof({ weight: 4, arbitrary: edited }, { weight: 1, arbitrary: random });
}

/** Byte strings made from `seeds` by flipping, inserting, deleting and truncating bytes. */
export function mutatedBytes(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({ kind: fc.integer({ min: 0, max: 3 }), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) });
  const edited = fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 8 })).map(([seed, edits]) => {
    let b = Array.from(seed);
    for (const e of edits) {
      const pos = b.length === 0 ? 0 : e.pos % (b.length + 1);
      if (e.kind === 0 && pos < b.length) b[pos] = e.byte;
      else if (e.kind === 1) b.splice(pos, 0, e.byte);
      else if (e.kind === 2) b.splice(pos, 1);
      else b = b.slice(0, pos);
    }
    return Uint8Array.from(b);
  });
  return fc.oneof({ weight: 3, arbitrary: edited }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) });
}

/**
 * Runs `parse(input)` and checks the outcome: a result, or an error for which `typed` is true.
 * Any other exception fails with the input quoted, as does a case slower than {@link CASE_BOUND_MS}.
 */
export function expectTypedOutcome<I>(input: I, parse: (input: I) => unknown, typed: (e: unknown) => boolean): void {
  const started = performance.now();
  try {
    parse(input);
  } catch (e) {
    if (!typed(e)) {
      throw new Error(`untyped ${(e as Error)?.name ?? typeof e} for input ${JSON.stringify(input instanceof Uint8Array ? Array.from(input) : input)}: ${(e as Error)?.stack ?? String(e)}`);
    }
  }
  expect(performance.now() - started).toBeLessThan(CASE_BOUND_MS);
}

/** Texts of the files in a `../shared/conformance` folder whose names match `pattern` (none when absent). */
export function sharedSeeds(folder: string, pattern: RegExp, maxBytes = 20_000): string[] {
  const dir = join(SHARED, 'conformance', folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .filter((t) => t.length <= maxBytes);
}
