/**
 * Fetches data now and every `intervalMs`, keeping the last good value and the last error. A change of
 * `reload` fetches again at once (after the page changed something on the server).
 */
import { useEffect, useState } from 'preact/hooks';

export function usePoll<T>(load: () => Promise<T>, intervalMs: number, reload = 0): { data?: T; error?: string } {
  const [state, setState] = useState<{ data?: T; error?: string }>({});
  useEffect(() => {
    let alive = true;
    const tick = () =>
      load().then(
        (data) => alive && setState({ data }),
        (e: Error) => alive && setState((s) => ({ data: s.data, error: e.message })),
      );
    void tick();
    const timer = setInterval(tick, intervalMs);
    return () => {
      alive = false;
      clearInterval(timer);
    };
  }, [reload]);
  return state;
}
