/** Label sets rendered as badges. */
import type { Metric } from '../api';

export function Labels(props: { labels: Metric }) {
  return (
    <span class="labels">
      {Object.keys(props.labels)
        .sort()
        .map((k) => (
          <span class="badge">
            {k}="{props.labels[k]}"
          </span>
        ))}
    </span>
  );
}
