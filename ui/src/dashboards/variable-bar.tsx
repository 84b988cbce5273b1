/** The variables bar: a picker per visible variable (select, multi-select dropdown with checkboxes, or text box). */
import { useState } from 'preact/hooks';
import { ALL, type VarState, type VarStates } from './variables';

function MultiPicker(props: { st: VarState; onChange(values: string[]): void }) {
  const [open, setOpen] = useState(false);
  const { st } = props;
  const text = st.selected.includes(ALL) ? 'All' : st.selected.map((v) => st.options.find((o) => o.value === v)?.text ?? v).join(' + ') || 'None';
  const toggle = (value: string, on: boolean) => {
    if (value === ALL) return props.onChange(on ? [ALL] : []);
    const base = st.selected.filter((v) => v !== ALL);
    props.onChange(on ? [...base, value] : base.filter((v) => v !== value));
  };
  return (
    <span class="multi-picker">
      <button type="button" class="var-button" onClick={() => setOpen(!open)}>
        {text} ▾
      </button>
      {open && (
        <div class="var-menu">
          {st.options.map((o) => (
            <label>
              <input type="checkbox" value={o.value} checked={st.selected.includes(o.value)} onChange={(e) => toggle(o.value, (e.target as HTMLInputElement).checked)} /> {o.text}
            </label>
          ))}
          <button type="button" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      )}
    </span>
  );
}

/** Pickers for the shown variables (`hide` 2 and constants hidden; `hide` 1 hides the label); `onChange` gets the new selection. */
export function VariableBar(props: { vars: VarStates; onChange(name: string, values: string[]): void }) {
  const shown = [...props.vars.values()].filter((s) => s.v.hide !== 2 && s.v.type !== 'constant');
  if (shown.length === 0) return null;
  return (
    <div class="var-bar">
      {shown.map((st) => (
        <label class="var" data-var={st.v.name} title={st.error}>
          {st.v.hide !== 1 && <span class="var-label">{st.v.label || st.v.name}</span>}
          {st.v.type === 'textbox' ? (
            <input
              class="var-input"
              value={st.selected[0] ?? ''}
              onChange={(e) => props.onChange(st.v.name, [(e.target as HTMLInputElement).value])}
            />
          ) : st.v.multi ? (
            <MultiPicker st={st} onChange={(vals) => props.onChange(st.v.name, vals)} />
          ) : (
            <select class="var-select" value={st.selected[0] ?? ''} onChange={(e) => props.onChange(st.v.name, [(e.target as HTMLSelectElement).value])}>
              {st.options.map((o) => (
                <option value={o.value}>{o.text}</option>
              ))}
            </select>
          )}
          {st.error && <span class="var-error">⚠</span>}
        </label>
      ))}
    </div>
  );
}
