/** The `runbook_url` annotation of an alert or alerting rule, as a "Runbook" link. */
import type { Metric } from '../api';

/**
 * A "Runbook" link to `annotations.runbook_url`, opening in a new tab; nothing when the annotation is
 * missing, is not an http(s) URL (no `javascript:` links from annotation text), or is an unexpanded
 * template (a rule's definition, e.g. `…/{{ $labels.job }}`).
 */
export function RunbookLink(props: { annotations?: Metric }) {
  const url = props.annotations?.runbook_url;
  if (!url || !/^https?:\/\//i.test(url) || url.includes('{{')) return null;
  return (
    <a href={url} class="runbook" target="_blank" rel="noopener noreferrer">
      Runbook
    </a>
  );
}
