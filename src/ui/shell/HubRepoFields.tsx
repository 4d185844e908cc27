// The fields every push to the Hugging Face Hub asks for (a run's Hub form, a dataset's): the repo as
// the Hub names repos, the token the Model panel uses too (one for the page, in memory only), then
// (HubPushFooter) whether a repo the push makes is private, and Push and Close. `id` prefixes the
// fields' ids and test ids.
import { useModel } from '../../state/modelStore.ts';

const REPO_PATTERN = '([A-Za-z0-9][\\w.\\-]*/)?[A-Za-z0-9][\\w.\\-]*';

export function HubRepoFields({ id, repo, onRepo }: { id: string; repo: string; onRepo: (repo: string) => void }) {
  const hubToken = useModel((s) => s.hubToken);
  const setHubToken = useModel((s) => s.setHubToken);
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-repo`}>Repo</label>
        <input id={`${id}-repo`} autoFocus value={repo} onChange={(e) => onRepo(e.target.value)} pattern={REPO_PATTERN} title="owner/name, or a name alone for your own account" spellCheck={false} data-testid={`${id}-repo`} />
        <span className="muted small">owner/name, or a name alone for your own account; made when it is not there, else a new commit in it.</span>
      </div>
      <div className="field">
        <label htmlFor={`${id}-token`}>Access token (write)</label>
        <input id={`${id}-token`} type="password" autoComplete="off" spellCheck={false} placeholder="hf_…" value={hubToken} onChange={(e) => setHubToken(e.target.value)} aria-describedby={`${id}-token-note`} data-testid={`${id}-token`} />
        <span className="muted small" id={`${id}-token-note`}>
          A token that may write, from huggingface.co/settings/tokens. Sent only to Hugging Face, kept in memory until the page closes (the Model panel uses the same one), never stored.
        </span>
      </div>
    </>
  );
}

/** A push form's last lines: Private, then Push (held until `ready`) and Close, and why Push waits
 * when the token is missing. */
export function HubPushFooter({ id, isPrivate, onPrivate, ready, onClose }: { id: string; isPrivate: boolean; onPrivate: (p: boolean) => void; ready: boolean; onClose: () => void }) {
  const hubToken = useModel((s) => s.hubToken);
  return (
    <>
      <label>
        <input type="checkbox" checked={isPrivate} onChange={(e) => onPrivate(e.target.checked)} data-testid={`${id}-private`} /> Private (for a repo this push makes; one that is there keeps its visibility)
      </label>
      <div className="row">
        <button type="submit" disabled={!ready} data-testid={`${id}-submit`}>
          Push
        </button>
        <button type="button" onClick={onClose}>
          Close
        </button>
        {!hubToken && <span className="muted small">Paste an access token to push.</span>}
      </div>
    </>
  );
}
