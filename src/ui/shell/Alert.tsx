// An error or notice with a dismiss button; text only (never HTML), so imported text cannot inject markup.
import { focusPanelHeading } from './focusReturn.ts';

export function Alert({ kind = 'error', message, onDismiss, testId }: { kind?: 'error' | 'notice'; message: string; onDismiss?: () => void; testId?: string }) {
  return (
    <div className={kind === 'error' ? 'alert error' : 'alert notice'} role={kind === 'error' ? 'alert' : 'status'} data-testid={testId}>
      <span>{message}</span>
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
