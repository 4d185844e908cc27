// An error or notice with a dismiss button; text only (never HTML), so imported text cannot inject markup.
import type { ReactNode } from 'react';
import { focusPanelHeading } from './focusReturn.ts';

/** `action`: a button that does what the message advises (placed before the dismiss button). */
export function Alert({ kind = 'error', message, onDismiss, testId, action }: { kind?: 'error' | 'notice'; message: string; onDismiss?: () => void; testId?: string; action?: ReactNode }) {
  return (
    <div className={kind === 'error' ? 'alert error' : 'alert notice'} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      <span>{message}</span>
      {action}
      {onDismiss && (
        <button
          aria-label="Dismiss message"
          onClick={(e) => {
            // The button goes with the message: its panel's heading takes the focus, not the page body.
            const panel = e.currentTarget.closest('.panel');
            onDismiss();
            focusPanelHeading(panel);
          }}
        >
          ✕
        </button>
      )}
    </div>
  );
}
