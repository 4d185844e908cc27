/** A count with its noun, as people write it: "1 round", "2 rounds", "1,200 examples". */
export function plural(n: number, word: string): string {
  return `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
}
