/**
 * The PromQL expression editor. The CodeMirror part (promql-codemirror.ts) is a separate chunk loaded
 * on first use; until it arrives the box shows the expression read-only.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { MountedEditor } from './promql-codemirror';

let loading: Promise<typeof import('./promql-codemirror')> | undefined;

/** `value` is the text to show (an outside change replaces the editor's text); Shift+Enter calls `onExecute` with the editor's text. */
export function PromQLEditor(props: { value: string; onChange(text: string): void; onExecute(text: string): void; placeholder?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const editor = useRef<MountedEditor>();
  const latest = useRef(props);
  latest.current = props;
  const [ready, setReady] = useState(false);
  /** The last text the editor reported: echoing it back would undo keystrokes typed since. */
  const emitted = useRef(props.value);

  useEffect(() => {
    let alive = true;
    loading ??= import('./promql-codemirror');
    void loading.then((m) => {
      if (!alive || !el.current) return;
      editor.current = m.mountPromQLEditor(el.current, {
        value: latest.current.value,
        placeholder: latest.current.placeholder ?? 'Expression (Shift+Enter to run)',
        onChange: (t) => {
          emitted.current = t;
          latest.current.onChange(t);
        },
        onExecute: (t) => latest.current.onExecute(t),
      });
      setReady(true);
    });
    return () => {
      alive = false;
      editor.current?.destroy();
    };
  }, []);

  // A layout effect runs before the next keystroke is handled, so only outside changes get here.
  useLayoutEffect(() => {
    if (props.value === emitted.current) return;
    emitted.current = props.value;
    editor.current?.setValue(props.value);
  }, [props.value]);

  return (
    <div class="promql-editor">
      <div ref={el} />
      {!ready && <pre class="promql-loading">{props.value || ' '}</pre>}
    </div>
  );
}
