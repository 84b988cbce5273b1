/**
 * File globbing as Go's `filepath.Glob` (Node 20 has no `fs.globSync`): `*` (any run of
 * non-separator characters), `?` (one character) and `[...]` classes (with `^` or `!` negation
 * and ranges) in any path element; no `**`. Matches are sorted; a pattern without magic
 * characters matches itself if the file exists. Unreadable directories match nothing.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, sep } from 'node:path';

const MAGIC = /[*?[]/;

function elementRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      if (body.startsWith('^') || body.startsWith('!')) body = '^' + body.slice(1);
      re += '[' + body.replace(/\\/g, '\\\\') + ']';
      i = close;
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += '\\' + pattern[++i];
    } else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/** The files matching `pattern`, sorted. */
export function glob(pattern: string): string[] {
  if (!MAGIC.test(pattern)) return existsSync(pattern) ? [pattern] : [];
  const parts = pattern.split(sep);
  let bases = [isAbsolute(pattern) ? sep : '.'];
  const start = isAbsolute(pattern) ? 1 : 0;
  for (let i = start; i < parts.length; i++) {
    const part = parts[i]!;
    const next: string[] = [];
    for (const base of bases) {
      if (!MAGIC.test(part)) {
        const p = join(base, part);
        if (existsSync(p)) next.push(p);
        continue;
      }
      const re = elementRegex(part);
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const n of names) if (re.test(n)) next.push(join(base, n));
    }
    bases = next;
  }
  return (isAbsolute(pattern) ? bases : bases.map((b) => (b.startsWith('./') ? b.slice(2) : b))).sort();
}
