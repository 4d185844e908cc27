// Keys of a small in-page dialog: Escape cancels it, Tab and Shift+Tab go round its controls
// instead of walking out of it.
import type { KeyboardEvent } from 'react';

const FOCUSABLE = 'button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), a[href], [tabindex]:not([tabindex="-1"])';

/** Where Tab goes inside the dialog: the index to focus, or null to let the browser move on. */
export function trapTarget(count: number, at: number, backwards: boolean): number | null {
  if (count === 0) return null;
  if (backwards && at <= 0) return count - 1;
  if (!backwards && (at === count - 1 || at < 0)) return 0;
  return null;
}

export function dialogKeys(onEscape: () => void, { trap = false } = {}) {
  return (e: KeyboardEvent<HTMLElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onEscape();
      return;
    }
    if (!trap || e.key !== 'Tab') return;
    const items = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE));
    const next = trapTarget(items.length, items.indexOf(document.activeElement as HTMLElement), e.shiftKey);
    if (next === null) return;
    e.preventDefault();
    items[next].focus();
  };
}
