// Where the keyboard focus goes when the control that had it goes away (a dialog or editor closes,
// a run is deleted, the app opens another panel): back to what opened it, or the panel's heading,
// never the page body. Only focus that was lost is moved: a user who clicked elsewhere keeps it.
import { useEffect, useRef } from 'react';

/** The little of `document` these need (tests pass a stand-in). */
export interface FocusDocument {
  activeElement: Element | null;
  body: Element | null;
  getElementById(id: string): { focus(): void } | null;
}

/** Focuses the first of `ids` that exists, if the focus fell to the body; true when it moved. */
export function restoreLostFocus(doc: FocusDocument, ids: Array<string | null | undefined>): boolean {
  if (doc.activeElement && doc.activeElement !== doc.body) return false;
  for (const id of ids) {
    const el = id ? doc.getElementById(id) : null;
    if (el) {
      el.focus();
      return true;
    }
  }
  return false;
}

/** When `open` (what is open: a row's id, or null) closes, the focus goes back to the element
 * `openerId(it)` names (which that render may have just mounted again), else to `fallbackId`. */
export function useFocusReturn(open: string | null, openerId: (key: string) => string, fallbackId?: string): void {
  const was = useRef<string | null>(open);
  useEffect(() => {
    const closed = was.current;
    was.current = open;
    if (open === null && closed !== null) restoreLostFocus(document, [openerId(closed), fallbackId]);
    // openerId is a formatting function: its identity does not matter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open, fallbackId]);
}

/** A panel's heading (tabIndex -1) within `root`: where the focus goes when the app, not the user's
 * tab press, opened that panel, or when a message the focus was on is dismissed. */
export function focusPanelHeading(root: ParentNode | null): boolean {
  const heading = root?.querySelector<HTMLElement>('h2[tabindex="-1"]');
  heading?.focus();
  return !!heading;
}
