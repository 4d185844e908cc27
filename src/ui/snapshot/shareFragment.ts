// Whether the page was opened from a share link: its `#share=…` fragment, or null.
import { SHARE_PREFIX } from '../../snapshot/index.ts';

export function shareFragmentOf(hash: string): string | null {
  return hash.startsWith(SHARE_PREFIX) && hash.length > SHARE_PREFIX.length ? hash : null;
}
