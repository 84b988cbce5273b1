/**
 * Form that creates a silence through `POST /api/v2/silences`: matchers (one per line), duration, author and
 * comment, as Alertmanager's "New silence" form. Prefilled from an alert by the "Silence" button.
 */
import { useState } from 'preact/hooks';
import { amFetch, type Matcher } from '../am-api';
import { formatMatcher, parseMatchers } from '../matchers';
import { parseRange } from '../format';

const AUTHOR_KEY = 'lookout.silence.createdBy';

export function SilenceForm(props: { matchers: Matcher[]; onDone: (silenceID?: string) => void }) {
  const [matchers, setMatchers] = useState(props.matchers.map(formatMatcher).join('\n'));
  const [duration, setDuration] = useState('2h');
  const [createdBy, setCreatedBy] = useState(localStorage.getItem(AUTHOR_KEY) ?? '');
  const [comment, setComment] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      const parsed = parseMatchers(matchers);
      if (parsed.length === 0) throw new Error('at least one matcher is needed');
      const seconds = parseRange(duration);
      if (!(seconds > 0)) throw new Error(`bad duration "${duration}": use e.g. 30m, 2h, 1d`);
      const now = Date.now();
      setBusy(true);
      localStorage.setItem(AUTHOR_KEY, createdBy);
      const res = await amFetch<{ silenceID: string }>('silences', {
        method: 'POST',
        body: JSON.stringify({
          matchers: parsed,
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + seconds * 1000).toISOString(),
          createdBy,
          comment,
        }),
      });
      props.onDone(res.silenceID);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="silence-form" onSubmit={submit}>
      <h2>New silence</h2>
      <label>
        Matchers <span class="muted">one per line: name="value", name!="value", name=~"regex", name!~"regex"</span>
        <textarea name="matchers" rows={Math.max(3, matchers.split('\n').length)} value={matchers} onInput={(e) => setMatchers(e.currentTarget.value)} />
      </label>
      <div class="form-row">
        <label>
          Duration <input name="duration" value={duration} onInput={(e) => setDuration(e.currentTarget.value)} />
        </label>
        <label>
          Creator <input name="createdBy" required value={createdBy} onInput={(e) => setCreatedBy(e.currentTarget.value)} />
        </label>
      </div>
      <label>
        Comment <textarea name="comment" required rows={2} value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
      </label>
      {error && <div class="error">{error}</div>}
      <div class="form-row">
        <button class="primary" type="submit" disabled={busy}>
          Create
        </button>
        <button type="button" onClick={() => props.onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
