// Whether the page was opened from a share link: its `#share=…` fragment, or null.
import { SHARE_PREFIX } from '../../snapshot/share-link.ts';

/** A link cut right after `#share=` is still a share link: it opens the "cut off" message. */
export function shareFragmentOf(hash: string): string | null {
  return hash.startsWith(SHARE_PREFIX) ? hash : null;
}
