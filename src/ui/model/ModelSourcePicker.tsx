// Where the model comes from: the embedded tiny model (offline), a hub preset, any repo id (with an
// access token for a gated or private one), or a local folder (picker or drop). Loading is one click;
// the worker does the rest.
import { useState, type DragEvent } from 'react';
import { MODEL_PRESETS, useModel } from '../../state/modelStore.ts';
import { useModelChangeHeld } from '../../state/jobStore.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { formatBytes } from '../format.ts';

export function ModelSourcePicker() {
  const loadModel = useModel((s) => s.loadModel);
  const loading = useModel((s) => s.loading);
  const hubToken = useModel((s) => s.hubToken);
  const setHubToken = useModel((s) => s.setHubToken);
  const [repo, setRepo] = useState('');
  const [over, setOver] = useState(false);
  // A run or job holds the loaded model: the worker would refuse the load (it went on with the model
  // it started with), so the buttons are off and say who holds it.
  const held = useModelChangeHeld();
  const busy = loading !== null || held !== null;
  const heldId = held ? 'model-load-held' : null;
  // Off but focusable (KeepFocusButton) while a model loads: a disabled button drops the keyboard
  // focus to the page body, and a keyboard user has to find their place again.
  const load = (source: Parameters<typeof loadModel>[0]) => void loadModel(source);

  // The worker names the model after the folder in the files' paths.
  const loadFiles = (files: Array<File | { file: File; path: string }>) => {
    if (files.length) void loadModel({ kind: 'files', files });
  };
  const onDrop = async (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    e.stopPropagation(); // a model folder is not a dataset: keep the page-level drop out of it
    setOver(false);
    loadFiles(await filesFromDrop(e.dataTransfer));
  };

  return (
    <div className="stack">
      <h3>Choose a model</h3>
      {held && (
        <p className="muted" id="model-load-held" data-testid="model-load-held">
          {held}
        </p>
      )}
      <div className="choice">
        <KeepFocusButton className="primary" disabled={busy} reasonId={heldId} onClick={() => load({ kind: 'embedded' })} data-testid="load-embedded">
          Use the embedded model
        </KeepFocusButton>
        <span className="muted">tiny Qwen3 (2 layers, real Qwen3 tokenizer), served with the app: works offline, trains in seconds per step even on a software GPU.</span>
      </div>
      <fieldset className="stack">
        <legend>Hugging Face presets</legend>
        {MODEL_PRESETS.map((p) => (
          <div className="choice" key={p.repo}>
            <KeepFocusButton disabled={busy} reasonId={heldId} onClick={() => load({ kind: 'hub', repo: p.repo })} aria-label={`Download and load ${p.repo}`}>
              {p.label}
            </KeepFocusButton>
            <span className="muted">
              {p.repo} · {p.parameters} parameters · about {formatBytes(p.downloadBytes)} download (cached after the first time)
            </span>
          </div>
        ))}
      </fieldset>
      <form
        className="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (repo.trim() && !busy) void loadModel({ kind: 'hub', repo: repo.trim() });
        }}
      >
        <label htmlFor="repo-id">Repo id</label>
        <input id="repo-id" placeholder="owner/name" value={repo} onChange={(e) => setRepo(e.target.value)} pattern="[A-Za-z0-9][\w.\-]*/[A-Za-z0-9][\w.\-]*" title="owner/name, e.g. Qwen/Qwen3-0.6B" />
        <button type="submit" disabled={busy || !repo.trim()} aria-describedby={heldId ?? undefined}>
          Load
        </button>
      </form>
      <div className="field">
        <label htmlFor="hub-token">Access token (gated or private repos)</label>
        <input
          id="hub-token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="hf_…"
          value={hubToken}
          onChange={(e) => setHubToken(e.target.value)}
          aria-describedby="hub-token-note"
        />
        <span className="muted" id="hub-token-note">
          Sent only to Hugging Face with this page’s downloads, kept in memory until the page closes, never stored. A read token from huggingface.co/settings/tokens will do; accept a gated model’s terms on its page first.
        </span>
      </div>
      <div
        className={over ? 'dropzone over' : 'dropzone'}
        onDragOver={(e) => {
          e.preventDefault();
          e.stopPropagation();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => void onDrop(e)}
        data-testid="model-dropzone"
      >
        <p>Drop a local model folder here (config.json, *.safetensors, tokenizer.json, tokenizer_config.json), or</p>
        <label className="filebutton">
          choose a folder…
          <input
            type="file"
            aria-label="Choose a local model folder"
            // @ts-expect-error webkitdirectory is not in React's input attributes but every Chromium supports it
            webkitdirectory=""
            multiple
            disabled={busy}
            onChange={(e) => loadFiles(Array.from(e.target.files ?? []))}
          />
        </label>
      </div>
    </div>
  );
}

/** Every file of a dropped folder with its path in it (walks directory entries; plain files pass
 * through). The path comes from the entry: a File read from one has an empty webkitRelativePath. */
async function filesFromDrop(dt: DataTransfer): Promise<Array<File | { file: File; path: string }>> {
  const entries = Array.from(dt.items)
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return Array.from(dt.files);
  const out: Array<{ file: File; path: string }> = [];
  const walk = async (entry: FileSystemEntry): Promise<void> => {
    if (entry.isFile) out.push({ file: await new Promise<File>((res, rej) => (entry as FileSystemFileEntry).file(res, rej)), path: entry.fullPath.replace(/^\/+/, '') });
    else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  for (const e of entries) await walk(e);
  return out;
}
