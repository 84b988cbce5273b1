/** The `text` panel: Markdown (via `marked`) or HTML, sanitised to an allow-list of tags and attributes; `code` mode as preformatted text. */
import { marked } from 'marked';
import { interpolate, type VarStates } from '../variables';
import type { Panel } from '../model';

const TAGS = new Set(['a', 'b', 'blockquote', 'br', 'code', 'del', 'div', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'li', 'ol', 'p', 'pre', 's', 'span', 'strong', 'sub', 'sup', 'table', 'tbody', 'td', 'th', 'thead', 'tr', 'u', 'ul']);
const ATTRS = new Set(['href', 'src', 'alt', 'title', 'align', 'colspan', 'rowspan']);
const DROP = new Set(['script', 'style', 'iframe', 'object', 'embed', 'form', 'input', 'button', 'textarea', 'select', 'link', 'meta', 'base', 'svg', 'math', 'template']);

/**
 * Keeps only allow-listed tags (others are unwrapped, dangerous ones removed with their content) and
 * attributes; `href`/`src` only with http(s), mailto, relative or `#` URLs; links open in a new tab.
 */
export function sanitizeHtml(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const clean = (node: Element) => {
    for (const child of [...node.children]) {
      const tag = child.tagName.toLowerCase();
      if (DROP.has(tag)) {
        child.remove();
        continue;
      }
      clean(child);
      if (!TAGS.has(tag)) {
        child.replaceWith(...child.childNodes);
        continue;
      }
      for (const a of [...child.attributes]) {
        const name = a.name.toLowerCase();
        const okUrl = (name !== 'href' && name !== 'src') || /^(https?:|mailto:|\/|#|\.\.?\/|[^:]*$)/i.test(a.value.trim());
        if (!ATTRS.has(name) || !okUrl) child.removeAttribute(a.name);
      }
      if (tag === 'a') {
        child.setAttribute('target', '_blank');
        child.setAttribute('rel', 'noopener noreferrer');
      }
    }
  };
  clean(doc.body);
  return doc.body.innerHTML;
}

/** Shows the panel's content (`options.content`, or the legacy `content`) with variables interpolated, in its `mode`. */
export function TextPanel(props: { panel: Panel; vars: VarStates }) {
  const o = (props.panel.options ?? {}) as { mode?: string; content?: string };
  const legacy = props.panel as { content?: string; mode?: string };
  const mode = o.mode ?? legacy.mode ?? 'markdown';
  const content = interpolate(o.content ?? legacy.content ?? '', props.vars);
  if (mode === 'code') return <pre class="text-panel">{content}</pre>;
  const html = mode === 'html' ? content : (marked.parse(content, { async: false, gfm: true }) as string);
  return <div class="text-panel markdown" dangerouslySetInnerHTML={{ __html: sanitizeHtml(html) }} />;
}
