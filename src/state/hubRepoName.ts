/** A name (a run's, a dataset's) as a Hub repo's name: what the Hub allows, at most 96 characters. */
export function hubRepoNameOf(name: string, fallback: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '').slice(0, 96) || fallback;
}
