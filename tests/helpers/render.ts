// Server-renders a component reading the stores' current state: a server render would otherwise read
// each zustand store's initial state (its getServerSnapshot).
import React, { type ReactElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { vi } from 'vitest';

export function renderNow(el: ReactElement): string {
  const spy = vi.spyOn(React, 'useSyncExternalStore').mockImplementation((_subscribe, getSnapshot) => getSnapshot());
  try {
    return renderToStaticMarkup(el);
  } finally {
    spy.mockRestore();
  }
}
