// The share link just made: copied to the clipboard when allowed, and always shown to copy by hand.
import { useSnapshots } from '../../state/snapshotStore.ts';

export function ShareLinkBox() {
  const link = useSnapshots((s) => s.shareLink);
  if (!link) return null;
  return (
    <div className="stack" data-testid="share-link">
      <label htmlFor="share-url">
        Share link for {link.runName} {link.copied ? '(copied to the clipboard)' : '(copy it from here; the clipboard was not available)'}: it carries the summary and curves in the part after #, which browsers never send to a server.
      </label>
      <input id="share-url" readOnly value={link.url} onFocus={(e) => e.target.select()} />
    </div>
  );
}
