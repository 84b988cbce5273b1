/** The panel editor: title, type, description, unit, decimals and the queries (PromQL editor with completion, legend, min interval, instant). */
import { useState } from 'preact/hooks';
import { PromQLEditor } from '../components/promql-editor';
import type { Panel, Target } from './model';
import { PANEL_TYPES } from './panel';

/** Edits a copy of `panel`; Apply (or Shift+Enter in a query) hands the edited panel to `onApply`. */
export function PanelEditor(props: { panel: Panel; onApply(p: Panel): void; onCancel(): void }) {
  const [p, setP] = useState<Panel>(() => structuredClone(props.panel));
  const targets = p.targets ?? [];
  const setTarget = (i: number, t: Partial<Target>) => setP({ ...p, targets: targets.map((x, j) => (j === i ? { ...x, ...t } : x)) });
  const defaults = p.fieldConfig?.defaults ?? {};
  const setDefault = (k: string, v: unknown) => {
    const next = { ...defaults, [k]: v };
    if (v === undefined) delete next[k];
    setP({ ...p, fieldConfig: { ...(p.fieldConfig ?? {}), defaults: next, overrides: p.fieldConfig?.overrides ?? [] } });
  };
  const nextRef = () => {
    for (let c = 65; c < 91; c++) if (!targets.some((t) => t.refId === String.fromCharCode(c))) return String.fromCharCode(c);
    return `Q${targets.length}`;
  };
  return (
    <div class="panel-editor" role="dialog">
      <h3>Edit panel</h3>
      <div class="editor-fields">
        <label>
          Title <input name="title" value={p.title ?? ''} onInput={(e) => setP({ ...p, title: (e.target as HTMLInputElement).value })} />
        </label>
        <label>
          Type{' '}
          <select name="type" value={p.type} onChange={(e) => setP({ ...p, type: (e.target as HTMLSelectElement).value })}>
            {PANEL_TYPES.map((t) => (
              <option value={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Unit <input name="unit" value={defaults.unit ?? ''} onInput={(e) => setDefault('unit', (e.target as HTMLInputElement).value || undefined)} />
        </label>
        <label>
          Decimals{' '}
          <input
            name="decimals"
            type="number"
            value={defaults.decimals ?? ''}
            onInput={(e) => {
              const v = (e.target as HTMLInputElement).value;
              setDefault('decimals', v === '' ? undefined : Number(v));
            }}
          />
        </label>
      </div>
      <label class="editor-wide">
        Description <input name="description" value={p.description ?? ''} onInput={(e) => setP({ ...p, description: (e.target as HTMLInputElement).value })} />
      </label>
      {p.type === 'text' ? (
        <label class="editor-wide">
          Content (Markdown)
          <textarea
            name="content"
            rows={8}
            value={String(p.options?.content ?? '')}
            onInput={(e) => setP({ ...p, options: { ...(p.options ?? {}), mode: 'markdown', content: (e.target as HTMLTextAreaElement).value } })}
          />
        </label>
      ) : (
        <div class="editor-targets">
          {targets.map((t, i) => (
            <div class="editor-target" data-ref={t.refId}>
              <div class="target-head">
                <strong>{t.refId}</strong>
                <label>
                  <input type="checkbox" checked={t.instant === true && t.range !== true} onChange={(e) => setTarget(i, (e.target as HTMLInputElement).checked ? { instant: true, range: false } : { instant: false, range: true })} /> instant
                </label>
                <label>
                  <input type="checkbox" checked={!!t.hide} onChange={(e) => setTarget(i, { hide: (e.target as HTMLInputElement).checked })} /> hide
                </label>
                <button type="button" onClick={() => setP({ ...p, targets: targets.filter((_, j) => j !== i) })}>
                  Remove
                </button>
              </div>
              <div class="target-expr">
                <PromQLEditor
                  value={t.expr ?? ''}
                  placeholder="PromQL expression (Shift+Enter to apply)"
                  onChange={(expr) => setTarget(i, { expr })}
                  onExecute={(expr) => props.onApply({ ...p, targets: targets.map((x, j) => (j === i ? { ...x, expr } : x)) })}
                />
              </div>
              <div class="target-opts">
                <label>
                  Legend <input class="target-legend" value={t.legendFormat ?? ''} placeholder="{{label}}" onInput={(e) => setTarget(i, { legendFormat: (e.target as HTMLInputElement).value })} />
                </label>
                <label>
                  Min interval <input class="target-interval" value={t.interval ?? ''} placeholder="15s" onInput={(e) => setTarget(i, { interval: (e.target as HTMLInputElement).value })} />
                </label>
              </div>
            </div>
          ))}
          <button type="button" class="add-query" onClick={() => setP({ ...p, targets: [...targets, { refId: nextRef(), expr: '', legendFormat: '', range: true }] })}>
            + Query
          </button>
        </div>
      )}
      <div class="editor-buttons">
        <button type="button" class="primary apply-panel" onClick={() => props.onApply(p)}>
          Apply
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
