/**
 * Light and dark themes. The choice is remembered in localStorage (`lookout.theme`); without one the
 * theme follows the browser's `prefers-color-scheme`. The theme is the `data-theme` attribute of
 * `<html>`, which styles.css keys its colour variables on.
 */
import { useEffect, useState } from 'preact/hooks';

export type Theme = 'light' | 'dark';

const KEY = 'lookout.theme';
const listeners = new Set<() => void>();
const media = window.matchMedia('(prefers-color-scheme: dark)');

/** The theme in effect: the remembered choice, else the browser's preference. */
export function currentTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  if (saved === 'light' || saved === 'dark') return saved;
  return media.matches ? 'dark' : 'light';
}

function apply(): void {
  document.documentElement.dataset.theme = currentTheme();
  listeners.forEach((l) => l());
}

/** Remembers `theme` and applies it at once. */
export function setTheme(theme: Theme): void {
  localStorage.setItem(KEY, theme);
  apply();
}

media.addEventListener('change', apply);
apply();

/** The current theme, re-rendering the component when it changes. */
export function useTheme(): Theme {
  const [theme, set] = useState(currentTheme());
  useEffect(() => {
    const l = () => set(currentTheme());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return theme;
}

/** The value of a CSS custom property of the current theme, e.g. `cssVar('--text')`. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
