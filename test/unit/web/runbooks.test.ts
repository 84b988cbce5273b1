/** The runbooks page: the Markdown subset it renders, and that every embedded meta alert's link has its anchor. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildApp } from '../../../src/web/server.js';
import { headingId, renderRunbooks } from '../../../src/web/runbooks.js';
import { ROOT } from '../../support/processes.js';

describe('runbooks page', () => {
  it('renders headings with GitHub anchors, paragraphs, lists, bold, code and safe links; escapes the rest', () => {
    const html = renderRunbooks(
      '# Runbooks\n\n## High <CPU> Usage!\n\n**Meaning.** `rate(x[5m])` > 1\nnext *line*.\n\n- one\n  continued\n- [two](#high-cpu-usage)\n- [bad](javascript:alert(1))\n',
    );
    expect(html).toContain(
      '<h1 id="runbooks">Runbooks</h1>\n<h2 id="high-cpu-usage">High &lt;CPU&gt; Usage!</h2>\n<p><strong>Meaning.</strong> <code>rate(x[5m])</code> &gt; 1 next <em>line</em>.</p>\n<ul><li>one continued</li><li><a href="#high-cpu-usage">two</a></li><li>[bad](javascript:alert(1))</li></ul>',
    );
    expect(headingId('LookoutWALCorrupted')).toBe('lookoutwalcorrupted');
  });

  it('has the section each meta alert links, served at /runbooks', async () => {
    const rules = (parse(readFileSync(join(ROOT, 'config', 'meta-alerts.yml'), 'utf8')) as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] }).groups.flatMap((g) => g.rules);
    const app = await buildApp({ name: 'lookout', listenAddress: '127.0.0.1:0', enableLifecycle: false, isReady: () => true, runbooksFile: join(ROOT, 'docs', 'runbooks.md') });
    const res = await app.inject({ method: 'GET', url: '/runbooks' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) {
      const anchor = r.annotations.runbook_url!.split('#')[1]!;
      expect(res.body, r.alert).toContain(`<h2 id="${anchor}">${r.alert}</h2>`);
    }
    await app.close();
  });
});
