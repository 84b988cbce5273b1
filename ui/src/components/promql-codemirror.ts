/**
 * The CodeMirror 6 PromQL editor (loaded lazily by promql-editor.tsx: it is the biggest part of the
 * bundle). Highlighting, autocompletion and linting come from `@prometheus-io/codemirror-promql`,
 * whose client asks this server's `/api/v1/labels`, `/label/:name/values`, `/series` and `/metadata`.
 */
import { autocompletion, closeBrackets, closeBracketsKeymap, closeCompletion, completionKeymap } from '@codemirror/autocomplete';
import { bracketMatching, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintKeymap } from '@codemirror/lint';
import { EditorState, Prec } from '@codemirror/state';
import { drawSelection, EditorView, highlightSpecialChars, keymap, placeholder } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { PromQLExtension } from '@prometheus-io/codemirror-promql';

/** Colours from the theme's CSS variables, so the editor follows light/dark. */
const highlight = HighlightStyle.define([
  { tag: tags.keyword, color: 'var(--hl-keyword)' },
  { tag: tags.function(tags.variableName), color: 'var(--hl-function)' },
  { tag: tags.labelName, color: 'var(--hl-label)' },
  { tag: tags.string, color: 'var(--hl-string)' },
  { tag: tags.number, color: 'var(--hl-number)' },
  { tag: tags.operator, color: 'var(--hl-operator)' },
  { tag: tags.comment, color: 'var(--muted)', fontStyle: 'italic' },
  { tag: tags.invalid, color: 'var(--bad)' },
]);

/** What the page needs from a mounted editor. */
export interface MountedEditor {
  /** Replaces the text (no-op when equal). */
  setValue(text: string): void;
  destroy(): void;
}

/**
 * Mounts an editor into `parent`. `onChange` gets every new text; `onExecute` runs on Shift+Enter or
 * Ctrl/Cmd+Enter (plain Enter inserts a newline, or accepts an open completion).
 */
export function mountPromQLEditor(
  parent: HTMLElement,
  opts: { value: string; placeholder: string; onChange(text: string): void; onExecute(text: string): void },
): MountedEditor {
  const promql = new PromQLExtension()
    .setComplete({ remote: { url: location.origin, httpMethod: 'GET', cache: { maxAge: 60_000 } } })
    .activateCompletion(true)
    .activateLinter(true);
  const run = (view: EditorView) => {
    closeCompletion(view);
    opts.onExecute(view.state.doc.toString());
    return true;
  };
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.value,
      extensions: [
        highlightSpecialChars(),
        drawSelection(),
        closeBrackets(),
        bracketMatching(),
        autocompletion({ icons: false }),
        syntaxHighlighting(highlight),
        placeholder(opts.placeholder),
        EditorView.lineWrapping,
        Prec.highest(
          keymap.of([
            { key: 'Shift-Enter', run },
            { key: 'Mod-Enter', run },
          ]),
        ),
        keymap.of([...closeBracketsKeymap, ...completionKeymap, ...lintKeymap]),
        promql.asExtension(),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) opts.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  return {
    setValue(text) {
      const cur = view.state.doc.toString();
      if (cur !== text) view.dispatch({ changes: { from: 0, to: cur.length, insert: text } });
    },
    destroy() {
      view.destroy();
      promql.destroy();
    },
  };
}
