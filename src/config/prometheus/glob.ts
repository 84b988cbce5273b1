/**
 * File globbing with Go's `filepath.Glob`/`filepath.Match` rules, as Prometheus uses for
 * `rule_files`, `scrape_config_files` and `file_sd_configs` (Node 20 has no `fs.glob`).
 *
 * Pattern syntax: `*` any run of non-separator characters (dotfiles included), `?` one
 * non-separator character, `[abc]`, `[a-z]`, `[^a-z]` character classes, `\` escapes the next
 * character. Without metacharacters a pattern names one file, returned only if it exists.
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';

const META = /[*?[\\]/;

/** Thrown for a malformed pattern (an unclosed `[` class), as Go's `filepath.ErrBadPattern`. */
export class BadPatternError extends Error {
  override name = 'BadPatternError';
  constructor(readonly pattern: string) {
    super(`syntax error in pattern: ${pattern}`);
  }
}

/**
 * Files matching `pattern` (absolute, or relative to the process's working directory), sorted as
 * Go returns them (lexically within each directory). Unreadable directories are skipped.
 * @throws {BadPatternError} for a malformed pattern
 */
export function globFiles(pattern: string): string[] {
  if (!META.test(pattern)) return exists(pattern) ? [pattern] : [];
  const parts = pattern.split(sep);
  let bases: string[] = [parts[0] === '' ? sep : ''];
  for (let i = parts[0] === '' ? 1 : 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next: string[] = [];
    for (const base of bases) {
      if (!META.test(part)) {
        next.push(base === '' ? part : join(base, part));
        continue;
      }
      validatePattern(part, pattern);
      let names: string[];
      try {
        names = readdirSync(base === '' ? '.' : base).sort();
      } catch {
        continue;
      }
      for (const name of names) if (matchSegment(part, name)) next.push(base === '' ? name : join(base, name));
    }
    bases = next;
  }
  return bases.filter(exists);
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function validatePattern(p: string, whole: string): void {
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === '[') {
      const close = p.indexOf(']', i + 2);
      if (close < 0) throw new BadPatternError(whole);
      i = close;
    }
  }
}

/** Go `filepath.Match` for one path segment (no separators in `name`). */
function matchSegment(pattern: string, name: string): boolean {
  return matchFrom(pattern, 0, name, 0);
}

function matchFrom(p: string, pi: number, s: string, si: number): boolean {
  while (pi < p.length) {
    const c = p[pi]!;
    if (c === '*') {
      while (p[pi] === '*') pi++;
      if (pi === p.length) return true;
      for (let k = si; k <= s.length; k++) if (matchFrom(p, pi, s, k)) return true;
      return false;
    }
    if (si >= s.length) return false;
    if (c === '?') {
      pi++;
      si++;
      continue;
    }
    if (c === '[') {
      const close = p.indexOf(']', pi + 2);
      let body = p.slice(pi + 1, close);
      const negate = body[0] === '^';
      if (negate) body = body.slice(1);
      if (classMatches(body, s[si]!) === negate) return false;
      pi = close + 1;
      si++;
      continue;
    }
    const lit = c === '\\' ? p[++pi] : c;
    if (lit !== s[si]) return false;
    pi++;
    si++;
  }
  return si === s.length;
}

function classMatches(body: string, ch: string): boolean {
  for (let i = 0; i < body.length; i++) {
    let lo = body[i]!;
    if (lo === '\\') lo = body[++i] ?? '';
    let hi = lo;
    if (body[i + 1] === '-' && i + 2 < body.length) {
      hi = body[i + 2] === '\\' ? (body[i + 3] ?? '') : body[i + 2]!;
      i += body[i + 2] === '\\' ? 3 : 2;
    }
    if (ch >= lo && ch <= hi) return true;
  }
  return false;
}
