/**
 * Random sources for the simulation. Production uses `Math.random`; tests pass a seeded generator
 * so that latencies, traffic mixes and injected failures repeat exactly.
 */

/** A function returning uniformly distributed numbers in [0, 1). */
export type RandomSource = () => number;

/** A seeded 32-bit generator (mulberry32): the same `seed` gives the same sequence. */
export function seededRandom(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number uniformly drawn from [min, max). */
export function uniform(random: RandomSource, min: number, max: number): number {
  return min + random() * (max - min);
}

/** An integer uniformly drawn from [min, max] (both inclusive). */
export function intBetween(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty array, uniformly drawn. */
export function pick<T>(random: RandomSource, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
