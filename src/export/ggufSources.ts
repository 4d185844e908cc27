// Where a GGUF file's model came from, in its metadata as llama.cpp's convert_hf_to_gguf.py records
// a model card's base_model and datasets (general.base_model.*, general.dataset.*). The studio
// writes them for a run's Hub base model and Hub dataset; `studio push` of a GGUF file reads them
// back, so the card it writes names the base model and links the dataset, as the studio's own push
// of the same file does.
import type { GgufValue } from './ggufFile.ts';
import { repoIdProblem } from './hubPush.ts';

export interface GgufSources {
  /** The base model's Hub id (owner/name). */
  baseModel?: string;
  /** Hub dataset ids (owner/name). */
  datasets?: string[];
}

const HUB = 'https://huggingface.co/';

/** The keys readGgufSources reads (for readGgufHeader's `wanted`). */
export function isSourceKey(key: string): boolean {
  return /^general\.(base_model|dataset)\.(count|\d+\.repo_url)$/.test(key);
}

/** The metadata of `sources`: per entry its name, organization and repo_url, as convert_hf_to_gguf.py
 * writes them (with a dataset's URL under /datasets/, where the Hub serves it). */
export function sourceMetadata(sources: GgufSources = {}): Array<[string, GgufValue]> {
  const out: Array<[string, GgufValue]> = [];
  const entries = (prefix: string, ids: string[], url: (id: string) => string) => {
    if (ids.length === 0) return;
    out.push([`${prefix}.count`, { type: 'u32', value: ids.length }]);
    ids.forEach((id, i) => {
      const [organization, name] = id.split('/');
      out.push([`${prefix}.${i}.name`, { type: 'string', value: name }], [`${prefix}.${i}.organization`, { type: 'string', value: organization }], [`${prefix}.${i}.repo_url`, { type: 'string', value: url(id) }]);
    });
  };
  entries('general.base_model', hubIds(sources.baseModel ? [sources.baseModel] : []), (id) => HUB + id);
  entries('general.dataset', hubIds(sources.datasets ?? []), (id) => `${HUB}datasets/${id}`);
  return out;
}

/** The Hub ids a GGUF file names as its sources (its first base model; every dataset). A repo_url
 * elsewhere than the Hub names none. convert_hf_to_gguf.py writes a dataset's URL without /datasets/:
 * read as the same id. */
export function readGgufSources(values: ReadonlyMap<string, number | string | string[]>): GgufSources {
  const urls = (prefix: string) => {
    const count = values.get(`${prefix}.count`);
    const ids: string[] = [];
    for (let i = 0; i < (typeof count === 'number' ? Math.min(count, 64) : 0); i++) {
      const url = values.get(`${prefix}.${i}.repo_url`);
      const m = typeof url === 'string' ? /^https?:\/\/(?:www\.)?huggingface\.co\/(?:datasets\/)?([^/]+\/[^/]+?)\/?$/.exec(url) : null;
      if (m) ids.push(m[1]);
    }
    return hubIds(ids);
  };
  const [baseModel] = urls('general.base_model');
  const datasets = urls('general.dataset');
  return { ...(baseModel ? { baseModel } : {}), ...(datasets.length ? { datasets } : {}) };
}

/** Owner/name ids as the Hub names repos, each once. */
function hubIds(ids: string[]): string[] {
  return [...new Set(ids)].filter((id) => id.includes('/') && repoIdProblem(id) === null);
}
