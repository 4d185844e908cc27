// The README a push leaves in a repo that has one. The studio's card (an adapter's, a merged model's,
// a GGUF's, a dataset's: front matter tagged balancesft-studio) goes between two marker comments; a
// later push rewrites only what is between them. What the owner wrote outside them stays, and so do
// their front matter keys and tags (license, language, their own tags).
// The front matter's keys and tags the studio added are named in a YAML comment at its end, so the
// next push takes out those its card no longer sets (a GGUF pushed where a merged model's card said
// library_name: transformers) and nothing of the owner's. Where that comment is missing (a README the
// studio wrote before it kept one, or one whose comment was deleted) the keys and tags any studio
// card writes count as the studio's. A README the studio wrote before it had markers is the
// studio's alone, and is replaced whole.

export const STUDIO_CARD_TAG = 'balancesft-studio';

const START = '<!-- balancesft-studio card: a push from BalanceSFT Studio rewrites what is between this line and the end line; the rest of this file is kept -->';
const END = '<!-- balancesft-studio card end -->';
const START_LINE = /^<!-- balancesft-studio card:.*-->[ \t]*$/m;
const END_LINE = /^<!-- balancesft-studio card end -->[ \t]*$/m;

/** The YAML comment naming what the studio added to the front matter. */
const ADDED_LINE = /^# balancesft-studio added: (.*)$/;

/** The front matter keys and tags the studio's cards write (hubCards.ts, mergedExport.ts; a test
 * holds every card to them). */
export const STUDIO_FRONT_KEYS = new Set(['base_model', 'datasets', 'library_name', 'pipeline_tag', 'tags', 'configs', 'task_categories', 'size_categories']);

/** Front matter lists joined item by item, the owner's first: the owner may have their own tags,
 * and their own datasets a model was trained on. */
const JOINED = ['tags', 'datasets'] as const;
type Joined = (typeof JOINED)[number];
const isJoined = (key: string): key is Joined => (JOINED as readonly string[]).includes(key);
export const STUDIO_TAGS = new Set(['lora', 'peft', 'gguf', 'llama.cpp', 'merged', 'function-calling', 'tool-use', 'reasoning', STUDIO_CARD_TAG]);

/** What a push did to the repo's README: written where there was none, the studio's card replaced
 * where the README held only that, or the card put beside the owner's own text, which was kept. */
export type ReadmeOutcome = 'new' | 'updated' | 'kept';

interface Card {
  /** The front matter's lines between the two `---` lines (none: the README has no front matter). */
  front: string[] | null;
  body: string;
}

function splitCard(text: string): Card {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines[0]?.trim() === '---') {
    const close = lines.findIndex((l, i) => i > 0 && l.trim() === '---');
    if (close > 0) return { front: lines.slice(1, close), body: lines.slice(close + 1).join('\n') };
  }
  return { front: null, body: lines.join('\n') };
}

/** A top-level key and the lines that belong to it (its list items, nested maps, comments after it);
 * `key` null for lines before the first key. */
interface Block {
  key: string | null;
  lines: string[];
}

function blocksOf(front: string[]): Block[] {
  const blocks: Block[] = [];
  for (const line of front) {
    const key = /^([A-Za-z0-9_][\w.-]*)\s*:/.exec(line)?.[1];
    if (key !== undefined) blocks.push({ key, lines: [line] });
    else if (blocks.length) blocks[blocks.length - 1].lines.push(line);
    else blocks.push({ key: null, lines: [line] });
  }
  return blocks;
}

const unquote = (s: string) => s.trim().replace(/^(['"])(.*)\1$/, '$2');

/** A block's value as a list of plain items (`k: [a, b]`, `k:` then `- a` lines, or `k: a`), or
 * null when it holds anything else (a nested map, a multi-line string). */
function listOf(block: Block): string[] | null {
  const first = block.lines[0].slice(block.lines[0].indexOf(':') + 1).trim();
  const rest = block.lines.slice(1).filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (first.startsWith('[')) {
    if (rest.length || !first.endsWith(']')) return null;
    return first.slice(1, -1).split(',').map(unquote).filter((s) => s !== '');
  }
  if (first !== '') return rest.length || /^[|>{]/.test(first) ? null : [unquote(first)];
  const items: string[] = [];
  for (const l of rest) {
    const item = /^\s*-\s+(.*)$/.exec(l);
    if (!item || /^[\w.-]+\s*:/.test(item[1])) return null;
    items.push(unquote(item[1]));
  }
  return items;
}

/** The front matter keys and list items a push added, as its YAML comment names them. */
interface Added {
  keys: string[];
  items: Record<Joined, string[]>;
}

function joinedLists(each: (key: Joined) => string[]): Record<Joined, string[]> {
  return Object.fromEntries(JOINED.map((k) => [k, each(k)])) as Record<Joined, string[]>;
}

function readAdded(front: string[]): { lines: string[]; added: Added | null } {
  let added: Added | null = null;
  const lines = front.filter((l) => {
    const m = ADDED_LINE.exec(l.trim());
    if (!m) return true;
    const parts = new Map(m[1].split(';').map((part) => [part.split(':')[0].trim(), part.slice(part.indexOf(':') + 1)]));
    const list = (name: string) => (parts.get(name) ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
    added = { keys: list('keys'), items: joinedLists((key) => list(key)) };
    return false;
  });
  return { lines, added };
}

/** The owner's front matter: what the studio added before taken out (by its comment, or by the
 * keys and tags any of its cards write when there is none). */
function ownersFront(front: string[], studioWasHere: boolean): Block[] {
  const { lines, added } = readAdded(front);
  if (!studioWasHere) return blocksOf(lines);
  return blocksOf(lines).flatMap((b): Block[] => {
    if (b.key === null) return [b];
    if (!isJoined(b.key)) return (added ? added.keys.includes(b.key) : STUDIO_FRONT_KEYS.has(b.key)) ? [] : [b];
    // Item by item: the owner may have added theirs to a list the studio began. Without the
    // comment, every dataset listed is the studio's, as every tag of its cards is.
    const items = listOf(b);
    if (!items) return added ? [b] : [];
    const studio = (item: string) => (added ? added.items[b.key as Joined].includes(item) : b.key === 'datasets' || STUDIO_TAGS.has(item));
    const left = items.filter((i) => !studio(i));
    return left.length ? [listBlock(b.key, left)] : [];
  });
}

/** The owner's front matter with the card's keys set (the card's value where both have one; tags
 * and datasets joined, the owner's first), then the comment naming what the card added. */
function mergeFront(owners: Block[], ours: string[]): string[] {
  const out = [...owners];
  const added: Added = { keys: [], items: joinedLists(() => []) };
  for (const block of blocksOf(ours)) {
    if (block.key === null) continue;
    const at = out.findIndex((b) => b.key === block.key);
    const joined = isJoined(block.key) ? block.key : null;
    if (at < 0) {
      out.push(block);
      if (joined) added.items[joined].push(...(listOf(block) ?? []));
      else added.keys.push(block.key);
      continue;
    }
    const had = joined ? listOf(out[at]) : null;
    const adds = listOf(block);
    if (joined && had && adds) {
      const more = adds.filter((a) => !had.includes(a));
      out[at] = listBlock(joined, [...had, ...more]);
      added.items[joined].push(...more);
    } else out[at] = block;
  }
  // "tags:" always (an empty one too), a list the card did not touch left unnamed.
  const named = [`keys: ${added.keys.join(', ')}`, ...JOINED.filter((k) => k === 'tags' || added.items[k].length).map((k) => `${k}: ${added.items[k].join(', ')}`)];
  return [...out.flatMap((b) => b.lines), `# balancesft-studio added: ${named.join('; ')}`];
}

function listBlock(key: string, items: string[]): Block {
  return { key, lines: [`${key}:`, ...items.map((i) => `- ${i}`)] };
}

function taggedStudio(front: string[] | null): boolean {
  if (!front) return false;
  const tags = blocksOf(front).find((b) => b.key === 'tags');
  return !!tags && (listOf(tags) ?? []).includes(STUDIO_CARD_TAG);
}

/** Whether a README is one of the studio's cards (its front matter tagged balancesft-studio). */
export function isStudioCard(text: string): boolean {
  return taggedStudio(splitCard(text).front);
}

/** Every Markdown heading one level down, outside code fences: the card under the owner's text. */
function headingsDown(body: string): string {
  let fenced = false;
  return body
    .split('\n')
    .map((l) => {
      if (/^\s*(```|~~~)/.test(l)) fenced = !fenced;
      return !fenced && /^#{1,5} /.test(l) ? `#${l}` : l;
    })
    .join('\n');
}

const trimLines = (s: string) => s.replace(/^\s*\n/, '').replace(/\s+$/, '');

function compose(front: string[] | null, before: string, card: string, after: string): string {
  const parts = [before, [START, card, END].join('\n'), after].map(trimLines).filter((p) => p !== '');
  return `${front ? ['---', ...front, '---', ''].join('\n') : ''}${parts.join('\n\n')}\n`;
}

/**
 * The README to push: `card` (the studio's, with its front matter) placed into `existing`, the repo's
 * README now (null: none). `outcome` says whether the owner's own text was there and kept.
 */
export function readmeForPush(existing: string | null, card: string): { text: string; outcome: ReadmeOutcome } {
  const ours = splitCard(card);
  const ourBody = trimLines(ours.body);
  const theirs = splitCard(existing ?? '');
  const start = START_LINE.exec(theirs.body);
  const studioWasHere = !!start || taggedStudio(theirs.front);
  const front = ours.front ? mergeFront(theirs.front ? ownersFront(theirs.front, studioWasHere) : [], ours.front) : theirs.front;
  if (existing === null || existing.trim() === '') return { text: compose(front, '', ourBody, ''), outcome: 'new' };
  // The owner's text around the card: above and below its markers, or the whole body of a README
  // the studio never wrote to (one it wrote before it had markers holds none of the owner's).
  let before = studioWasHere ? '' : theirs.body;
  let after = '';
  if (start) {
    before = theirs.body.slice(0, start.index);
    const rest = theirs.body.slice(start.index + start[0].length);
    const end = END_LINE.exec(rest);
    // An end line the owner deleted: the card ran to the end of the file.
    after = end ? rest.slice(end.index + end[0].length) : '';
  }
  const ownText = (before + after).trim() !== '';
  return { text: compose(front, before, ownText ? headingsDown(ourBody) : ourBody, after), outcome: ownText ? 'kept' : 'updated' };
}

/** A push's words for what it did to the README: none unless the owner's own text was there. */
export function readmeOutcomeText(outcome: ReadmeOutcome | undefined): string {
  return outcome === 'kept' ? "The repo's README kept its own text; the studio's card is beside it, between two marker comments, and a later push rewrites only that part." : '';
}
