/**
 * Natural string order as used by `sort_by_label` (upstream uses `github.com/facette/natsort`):
 * strings are split into runs of digits and non-digits; digit runs compare as integers, other
 * runs as strings; when all compared runs are equal, the string that runs out first is smaller.
 */

const CHUNK = /\d+|\D+/g;

function chunks(s: string): string[] {
  return s.match(CHUNK) ?? [];
}

/** Whether `a` sorts before `b` in natural order (as `natsort.Compare(a, b)`). */
export function naturalLess(a: string, b: string): boolean {
  const ca = chunks(a);
  const cb = chunks(b);
  for (let i = 0; i < ca.length; i++) {
    if (i >= cb.length) return false;
    const x = ca[i]!;
    const y = cb[i]!;
    const bothNumeric = /^\d+$/.test(x) && /^\d+$/.test(y);
    if (bothNumeric ? BigInt(x) === BigInt(y) : x === y) {
      if (i === ca.length - 1) return true;
      if (i === cb.length - 1) return false;
      continue;
    }
    if (bothNumeric) return BigInt(x) < BigInt(y);
    return x < y;
  }
  return false;
}
