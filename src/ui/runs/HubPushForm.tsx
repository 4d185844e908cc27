// The Hub form of one run (its row's "Hub" opens it, and a saved GGUF's notice): what to push (the
// PEFT adapter, the model with the adapter merged, or the GGUF file just saved), to which repo, with
// which access token (the Model panel's, one for the page, kept in memory only), and whether a repo
// the push creates is private.
import { useState } from 'react';
import { repoNameOf, useOnnxExport, type PushForm } from '../../state/onnxExportStore.ts';
import { useModel } from '../../state/modelStore.ts';
import { formatBytesShort } from '../../state/formatBytesShort.ts';
import { HubPushFooter, HubRepoFields } from '../shell/HubRepoFields.tsx';

export function HubPushForm({ form }: { form: PushForm }) {
  const pushToHub = useOnnxExport((s) => s.pushToHub);
  const openPushForm = useOnnxExport((s) => s.openPushForm);
  const busy = useOnnxExport((s) => s.busy);
  const hubToken = useModel((s) => s.hubToken);
  const [what, setWhat] = useState<'adapter' | 'merged' | 'gguf'>(form.what ?? 'adapter');
  const [repo, setRepo] = useState(() => repoNameOf(form.runName));
  const [isPrivate, setPrivate] = useState(true);
  const ready = !!repo.trim() && !!hubToken && !busy;
  return (
    <form
      className="hub-push"
      aria-label={`Push ${form.runName} to the Hugging Face Hub`}
      data-testid="hub-push-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) void pushToHub(form.runId, form.runName, { what, repo, private: isPrivate });
      }}
    >
      <h3>Push {form.runName} to the Hugging Face Hub</h3>
      <fieldset>
        <legend>What</legend>
        <label>
          <input type="radio" name="hub-what" checked={what === 'adapter'} onChange={() => setWhat('adapter')} data-testid="hub-what-adapter" /> The {form.hdr ? 'last HDR round’s ' : ''}LoRA adapter (PEFT, a few megabytes) with a model card
        </label>
        <label>
          <input type="radio" name="hub-what" checked={what === 'merged'} onChange={() => setWhat('merged')} data-testid="hub-what-merged" /> The model with the adapter merged (safetensors, as big as the model), for transformers, vLLM and MLX without PEFT
        </label>
        {form.gguf && (
          <label>
            <input type="radio" name="hub-what" checked={what === 'gguf'} onChange={() => setWhat('gguf')} data-testid="hub-what-gguf" /> {form.gguf.fileName} ({form.gguf.type.toUpperCase()}, {formatBytesShort(form.gguf.bytes)}), for Ollama and llama.cpp straight from the Hub
          </label>
        )}
      </fieldset>
      <HubRepoFields id="hub-push" repo={repo} onRepo={setRepo} />
      <HubPushFooter id="hub-push" isPrivate={isPrivate} onPrivate={setPrivate} ready={ready} onClose={() => openPushForm(null)} />
    </form>
  );
}
