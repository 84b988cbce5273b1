/**
 * The runbooks page (`GET /runbooks`): `docs/runbooks.md` turned into a small HTML page so that alert
 * annotations can link `{{ $externalURL }}/runbooks#<alertname in lower case>` on any installation.
 * Only the Markdown the runbooks use is rendered: `#`/`##` headings (with GitHub-style ids), paragraphs,
 * `-` lists, `**bold**`, `*emphasis*`, `` `code` `` and `[text](link)`; everything else is shown as text.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** GitHub's heading anchor: lower case, punctuation removed, spaces as `-`. */
export function headingId(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\*([^*\s][^*]*)\*/g, '<em>$1</em>')
    .replace(/\[([^\]]+)\]\(((?:#|https?:\/\/)[^)\s]*)\)/g, '<a href="$2">$1</a>');
}

/** Renders the runbooks' Markdown as a complete HTML page (UTF-8). */
export function renderRunbooks(markdown: string): string {
  const out: string[] = [];
  let para: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join(' '))}</p>`);
    if (list.length) out.push(`<ul>${list.map((item) => `<li>${inline(item)}</li>`).join('')}</ul>`);
    para = [];
    list = [];
  };
  for (const line of markdown.split('\n')) {
    const heading = /^(#{1,3}) (.+)$/.exec(line);
    if (heading) {
      flush();
      const level = heading[1]!.length;
      out.push(`<h${level} id="${escapeHtml(headingId(heading[2]!))}">${inline(heading[2]!)}</h${level}>`);
    } else if (line.trim() === '') flush();
    else if (/^\s*- /.test(line)) {
      if (para.length) flush();
      list.push(line.replace(/^\s*- /, ''));
    } else if (list.length && /^\s+\S/.test(line)) list[list.length - 1] += ' ' + line.trim();
    else para.push(line.trim());
  }
  flush();
  return `<!doctype html><html><head><meta charset="utf-8"><title>Lookout runbooks</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:24px auto;padding:0 16px;color:#1d2330}code{background:#eef1f6;padding:1px 4px;border-radius:3px}h2{margin-top:32px;border-bottom:1px solid #dde1e8}</style></head><body>${out.join('\n')}</body></html>\n`;
}
