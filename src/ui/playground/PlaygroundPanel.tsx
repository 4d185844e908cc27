// The playground: type a query, pick tools from the dataset, and watch the current adapter answer:
// the streamed text, then the reasoning and the calls parsed out of it.
import { useDatasets } from '../../state/datasetStore.ts';
import { useDatasetPlayground, useExampleById, type DatasetPlayground } from '../../state/exampleRows.ts';
import { errorFor, useJobModelMissing, useJobs, useTrainingElsewhere } from '../../state/jobStore.ts';
import { resolveAdapterRun, useRuns } from '../../state/runStore.ts';
import { useFirstFieldProblem } from '../../state/fieldProblems.ts';
import { askedAsHeldOut, playgroundBlocker, usePlayground } from '../../state/playgroundStore.ts';
import { Alert } from '../shell/Alert.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { AdapterPicker } from '../shell/AdapterPicker.tsx';
import { JobProgress } from '../shell/JobProgress.tsx';
import { NumberField } from '../training/NumberField.tsx';
import { PlaygroundAnswer, turnText } from './PlaygroundAnswer.tsx';
import { ToolPicker, toolsTickedAtFirst } from './ToolPicker.tsx';
import { targetCallTexts } from '../dataset/exampleText.ts';
import { useOnnxExport } from '../../state/onnxExportStore.ts';
import { MAX_SEED, type GenerateResult } from '../../worker/protocol.ts';

const NOTHING_OFFERED: DatasetPlayground = { tools: [], samples: [] };

export function PlaygroundPanel() {
  // The dataset's tools and held-out questions, gathered by the worker (never its rows on the page).
  const dataset = useDatasets((s) => s.datasets.find((d) => d.id === s.selectedId));
  const offered = useDatasetPlayground(dataset);
  const { running, dismiss, generateAnswer } = useJobs();
  const error = useJobs((s) => errorFor(s, ['generate']));
  // The seed the last sampled answer had: ticking "Same seed every time" keeps it.
  const lastSeed = useJobs((s) => s.answer?.seed ?? null);
  const training = useRuns((s) => !!s.active);
  const fieldProblem = useFirstFieldProblem(['play-']);
  const exporting = useOnnxExport((s) => s.exporting);
  const { tools, samples } = offered.value ?? NOTHING_OFFERED;
  // The form's draft lives in a store: it outlives this panel when another tab is shown.
  const draft = usePlayground((s) => s.draft);
  const setDraft = usePlayground((s) => s.setPlaygroundDraft);
  const { query, maxNewTokens, temperature, seed, backend, besideBase } = draft;
  // Ticked tools this dataset offers (a kept draft may name another dataset's).
  const chosen = draft.pickedTools ? draft.pickedTools.filter((n) => tools.some((t) => t.name === n)) : toolsTickedAtFirst(tools);
  // The held-out question on show (its query and tools filled in), until the query is edited; one
  // the dataset no longer holds out is not shown.
  const sampleAt = draft.sampleId === null ? -1 : samples.findIndex((s) => s.id === draft.sampleId && s.query === query);
  const sample = sampleAt >= 0 ? { at: sampleAt, s: samples[sampleAt] } : null;
  // The example on show, read by its id: the answer is checked against it.
  const read = useExampleById(dataset?.id ?? null, sample?.s.id ?? null);
  const expectation = read.fresh ? read.value?.example : undefined;
  // Asked as it stands, the example goes as itself (the evaluation's prompt); edited, as typed.
  const asIs = !!sample && askedAsHeldOut(sample.s.toolNames, chosen);
  const takeSample = () => {
    const at = sample ? (sample.at + 1) % samples.length : 0;
    const s = samples[at];
    setDraft({ sampleId: s.id, query: s.query, pickedTools: s.toolNames });
  };
  const adapter = resolveAdapterRun(draft.adapterRunId, useRuns((s) => s.runs));
  // The ONNX backend runs an export made this session for the chosen run (Runs panel, "ONNX"); the
  // worker keeps every one, whether or not its notice was dismissed.
  const onnxReady = useOnnxExport((s) => !!adapter && s.exportedRunIds.includes(adapter));
  const onnxCheck = useOnnxExport((s) => s.exportedCheck);
  const useBackend = onnxReady ? backend : 'engine';
  // Our engine answers without the adapter too: the ONNX export holds only the merged model.
  const offerBase = !!adapter && useBackend === 'engine';
  const toggle = (name: string) => setDraft({ pickedTools: chosen.includes(name) ? chosen.filter((n) => n !== name) : [...chosen, name] });
  const exampleProblem = sample && read.fresh && !expectation ? (read.error ?? `The held-out example ${sample.s.id} is no longer in the dataset.`) : null;
  const trainingElsewhere = useTrainingElsewhere();
  // The engine answers with the run's model, loading it first (generateAnswer); the ONNX backend
  // loads none, answering with the model that made the export.
  const modelMissing = useJobModelMissing(useBackend === 'engine' ? draft.adapterRunId : '');
  const missing = playgroundBlocker({ modelMissing, training, trainingElsewhere, fieldProblem, exporting, job: running?.kind ?? null, query, readingExample: !!sample && !read.fresh, exampleProblem });
  const generateOff = !!missing || !!running;
  const followUp = usePlayground((s) => s.followUp);
  // The question, and the conversation after it when the user went on with the calls' results.
  const ask = (after: typeof followUp) =>
    generateAnswer({
      adapterRunId: adapter,
      tools: tools.filter((t) => chosen.includes(t.name)),
      query,
      callSyntax: offered.value?.callSyntax,
      heldOut: asIs ? expectation : undefined,
      followUp: after,
      maxNewTokens,
      temperature,
      // Unset: a fresh seed for every answer.
      seed: seed ?? undefined,
      backend: useBackend,
      expectation: sample ? expectation : undefined,
      besideBase: offerBase && besideBase,
    });
  // The turns join the conversation once their answer comes: a failed or cancelled one leaves the
  // results typed in their fields, to go on again.
  const goOn = (answer: GenerateResult) => {
    if (generateOff) return;
    const shown = useJobs.getState().answer;
    void ask(usePlayground.getState().goOn(answer)).finally(() => usePlayground.getState().settle(useJobs.getState().answer !== shown));
  };
  return (
    <section className="panel" aria-labelledby="play-title" data-testid="playground-panel">
      <h2 id="play-title" tabIndex={-1}>Playground</h2>
      {error && <Alert message={error} onDismiss={dismiss} testId="playground-error" />}
      {missing && (
        <p className="muted" id="play-blocked">
          {missing}
        </p>
      )}
      <div className="grid2">
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            if (generateOff) return;
            void ask(followUp);
          }}
        >
          <label htmlFor="play-query">Query</label>
          <textarea
            id="play-query"
            rows={3}
            value={query}
            onChange={(e) => setDraft({ query: e.target.value, sampleId: sample && e.target.value === sample.s.query ? sample.s.id : null })}
            placeholder="Ask something one of the offered tools can answer, or take a held-out example"
          />
          <div className="row">
            <button type="button" onClick={takeSample} disabled={samples.length === 0} data-testid="play-sample">
              {sample ? 'Next held-out example' : 'Take a held-out example'}
            </button>
            {sample ? (
              <span className="small muted" data-testid="play-expected">
                {sample.s.id} ({sample.at + 1} of {samples.length}) · the dataset expects {sample.s.expected.calls.length ? targetCallTexts(sample.s.expected).join('; ') : 'a plain answer, no call'}
                {sample.s.askedInTraining && (
                  <strong data-testid="play-asked-in-training"> · A training example asks this word for word too: an adapter trained on this dataset learned its answer, so this shows what it remembers.</strong>
                )}
              </span>
            ) : (
              samples.length === 0 && offered.value && <span className="small muted">The dataset holds out no example with a question to ask.</span>
            )}
          </div>
          {sample?.s.conversation && asIs && (
            <details data-testid="play-sample-conversation">
              <summary>
                Asked with its conversation ({sample.s.conversation.length} turns, the question above among them), as the evaluation asks it
              </summary>
              <ol className="small">
                {sample.s.conversation.map((m, i) => (
                  <li key={i}>{turnText(m)}</li>
                ))}
              </ol>
            </details>
          )}
          <fieldset className="targets">
            <legend>Tools offered ({chosen.length})</legend>
            {tools.length === 0 && (dataset && !offered.value && !offered.error ? <span className="muted">Reading the dataset’s tools…</span> : <span className="muted">Import a dataset to pick its tools.</span>)}
            {offered.error && <span className="error">{offered.error}</span>}
            <ToolPicker tools={tools} chosen={chosen} onToggle={toggle} />
          </fieldset>
          <div className="row">
            <AdapterPicker id="play-adapter" value={draft.adapterRunId} onChange={(adapterRunId) => setDraft({ adapterRunId })} />
            <NumberField id="play-tokens" label="Max new tokens" value={maxNewTokens} min={1} integer step={1} onChange={(v) => setDraft({ maxNewTokens: v })} />
            <NumberField id="play-temp" label="Temperature (0 = greedy)" value={temperature} min={0} step={0.1} onChange={(v) => setDraft({ temperature: v })} />
            {temperature > 0 && useBackend === 'engine' && (
              <>
                <label className="check">
                  <input type="checkbox" checked={seed !== null} onChange={(e) => setDraft({ seed: e.target.checked ? (lastSeed ?? 0) : null })} data-testid="play-fixed-seed" /> Same seed every time
                </label>
                {seed !== null && <NumberField id="play-seed" label="Seed" value={seed} min={0} max={MAX_SEED} integer step={1} onChange={(v) => setDraft({ seed: v })} />}
              </>
            )}
            <div className="field wide">
              <label htmlFor="play-backend">Run with</label>
              <select id="play-backend" value={useBackend} onChange={(e) => setDraft({ backend: e.target.value === 'onnx' ? 'onnx' : 'engine' })} data-testid="play-backend">
                <option value="engine">this studio's engine (WebGPU)</option>
                <option value="onnx" disabled={!onnxReady}>
                  the exported ONNX model (transformers.js, greedy){onnxReady ? '' : ': export this run first'}
                </option>
              </select>
            </div>
          </div>
          {offerBase && (
            <label className="check">
              <input type="checkbox" checked={besideBase} onChange={(e) => setDraft({ besideBase: e.target.checked })} data-testid="play-beside-base" /> Beside the base model: it answers the same question after the adapter
              {temperature > 0 ? ', with the same seed' : ''}, so what training changed shows
            </label>
          )}
          <div className="row">
            {/* Stays focusable while the answer generates (the focus would drop to the page body). */}
            <KeepFocusButton className="primary" type="submit" disabled={generateOff} reasonId={missing ? 'play-blocked' : null} data-testid="play-generate">
              Generate
            </KeepFocusButton>
            {useBackend === 'onnx' && temperature > 0 && <span className="small muted">The ONNX backend decodes greedily: temperature does not apply.</span>}
            {useBackend === 'onnx' && onnxCheck === 'failed' && (
              <span className="small error" data-testid="play-onnx-check">
                This export FAILED its check against the engine (Runs panel): its answers may differ from the trained adapter&apos;s.
              </span>
            )}
            {useBackend === 'onnx' && onnxCheck === 'unchecked' && (
              <span className="small muted" data-testid="play-onnx-check">
                This export was not checked against the engine: its answers may differ from the trained adapter&apos;s.
              </span>
            )}
          </div>
          <JobProgress kinds={['generate']} />
        </form>
        <PlaygroundAnswer onGoOn={generateOff ? null : goOn} goOnBlocked={missing ?? (running ? 'Wait for the answer under way.' : null)} />
      </div>
    </section>
  );
}
