/** The console report shared by the promtool-style conformance runners. */

/** One case's outcome; `promtool242` is the real promtool 2.42's exit code on it, when installed. */
export interface CaseResult {
  status: 'passed' | 'failed' | 'skipped';
  detail: string;
  promtool242?: number;
}

/**
 * Prints one line per case (`STATUS  name: detail [promtool 2.42: exit N — why it differs]`), then the
 * last line `N passed, N failed, N skipped`. Returns the exit code: 1 if any case failed, else 0.
 */
export function printResults<R extends CaseResult>(results: Iterable<R>, name: (r: R) => string, promtool242Differs: Record<string, string>): number {
  const counts = { passed: 0, failed: 0, skipped: 0 };
  for (const r of results) {
    const why = promtool242Differs[name(r)];
    const peer = r.promtool242 === undefined ? '' : ` [promtool 2.42: exit ${r.promtool242}${why ? ` — ${why}` : ''}]`;
    console.log(`${r.status.toUpperCase().padEnd(7)} ${name(r)}: ${r.detail}${peer}`);
    counts[r.status]++;
  }
  console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed > 0 ? 1 : 0;
}
