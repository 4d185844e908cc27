// "Start here": the guided first path (model → data → train → evaluate → HDR) with the embedded
// model and the demo dataset, each step one click, each finished step showing what it did. Says
// plainly what the embedded model is and what a real model needs.
import { useCapabilities } from '../../state/capabilityStore.ts';
import { useDatasets } from '../../state/datasetStore.ts';
import { DEMO_HDR, DEMO_RUN_CONFIG, useDemo, useDemoProgress, type DemoStep } from '../../state/demoStore.ts';
import { canResume, effectiveStatus, resumeLabel, useRuns } from '../../state/runStore.ts';
import { categoryWords, plural } from '../format.ts';
import { Alert } from '../shell/Alert.tsx';
import { JobProgress } from '../shell/JobProgress.tsx';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { useGpuBusyReason, useJobs, useModelChangeHeld, useTrainingElsewhere } from '../../state/jobStore.ts';
import type { CategoryTally, EvalSummary } from '../../eval/evaluate.ts';
import { compareAnswers } from '../../eval/compareAnswers.ts';
import { chanceText } from '../../eval/pairedTest.ts';
import { useEvalPredictions } from '../../state/datasetViews.ts';
import { demoAlphaText, loraGainText, weightedLossText } from './demoAlphaWords.ts';

const pct = (v: number) => `${(v * 100).toFixed(0)}%`;

function Step({ n, title, done, children, action }: { n: number; title: string; done: boolean; children: React.ReactNode; action: React.ReactNode }) {
  return (
    <li className={`demo-step${done ? ' done' : ''}`} data-testid={`demo-step-${n}`}>
      <div className="demo-step-head">
        <span className="demo-mark" aria-hidden="true">
          {done ? '✓' : n}
        </span>
        <h3>{title}</h3>
        {action}
      </div>
      <div className="demo-step-body">{children}</div>
    </li>
  );
}

/** Base vs trained answer by answer: which examples changed verdict each way, and whether that
 * split could be chance (31 held-out examples are few). */
function AnswerSplit({ baseId, trainedId }: { baseId: string; trainedId: string }) {
  const base = useEvalPredictions(baseId);
  const trained = useEvalPredictions(trainedId);
  if (!base.value || !trained.value) return null;
  const c = compareAnswers(trained.value, base.value);
  if (c.shared === 0) return null;
  const [right, wrong] = [c.nowRight.length, c.nowWrong.length];
  return (
    <p className="small" data-testid="demo-answer-split" data-right={right} data-wrong={wrong}>
      {right + wrong === 0
        ? 'Answer by answer, every held-out example kept its verdict.'
        : `Answer by answer, the trained model is right on ${plural(right, 'example')} the base model got wrong and wrong on ${wrong} it got right; that split ${chanceText(right, wrong)}.`}
    </p>
  );
}

/** Base vs trained per category: where the adapter learned what the base model never saw. */
function CategoryComparison({ base, trained }: { base: EvalSummary; trained: EvalSummary }) {
  const names = Object.keys(trained.byCategory).filter((c) => base.byCategory[c]);
  const cell = (t: CategoryTally) => `${t.correct} of ${t.total}`;
  return (
    <table className="demo-categories" data-testid="demo-categories">
      <thead>
        <tr>
          <th scope="col">Held-out examples</th>
          <th scope="col">base model</th>
          <th scope="col">trained</th>
        </tr>
      </thead>
      <tbody>
        {names.map((c) => (
          <tr key={c} data-category={c} data-base={base.byCategory[c].correct} data-trained={trained.byCategory[c].correct}>
            <th scope="row" title={c}>
              {categoryWords(c)}
            </th>
            <td>{cell(base.byCategory[c])}</td>
            <td>{cell(trained.byCategory[c])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function DemoGuide({ onOpen }: { onOpen: (panel: 'dashboard' | 'eval' | 'model' | 'dataset' | 'runs' | 'ablation') => void }) {
  const { busy, error, dismiss, loadModel, useDemoData, train, resume, evaluate, runHdr, showDemo } = useDemo();
  // A link to another panel shows the demo's dataset and run there.
  const open = (panel: 'dashboard' | 'eval' | 'dataset' | 'runs' | 'ablation') => {
    showDemo();
    onOpen(panel);
  };
  const p = useDemoProgress();
  // Stored is not in use: the Dataset and Training panels show the dataset the user selected since.
  const selectedDataset = useDatasets((s) => s.selectedId);
  const demoSelected = !!p.dataset && selectedDataset === p.dataset.id;
  const active = useRuns((s) => s.active?.runId ?? null);
  const software = useCapabilities((s) => s.capabilities?.adapter.isSoftware ?? null);
  /** `blocked`: why the step cannot run yet, said beside its button (true: it is done, nothing to say).
   * The button stays focusable while its step works (it says "Working…"), and points to its reason. */
  const button = (step: DemoStep, label: string, run: () => void, blocked: string | boolean, primary = true) => (
    <span className="row">
      <KeepFocusButton className={primary ? 'primary' : undefined} data-testid={`demo-${step}`} disabled={!!busy || blocked !== false} reasonId={typeof blocked === 'string' && !busy ? `demo-${step}-blocked` : null} onClick={run}>
        {busy === step ? 'Working…' : label}
      </KeepFocusButton>
      {typeof blocked === 'string' && !busy && (
        <span className="muted" id={`demo-${step}-blocked`} data-testid={`demo-${step}-blocked`}>
          {blocked}
        </span>
      )}
    </span>
  );
  const jobRows = useJobs((s) => s.rows);
  const trainingNow = useRuns((s) => s.trainingNow);
  const runStatus = p.run ? effectiveStatus(p.run, active, jobRows, trainingNow) : null;
  const trained = runStatus === 'done';
  // Paused, or cut off by a reload: its checkpoints carry on from where it stopped.
  const resumable = !!p.run && canResume(p.run, active, jobRows, trainingNow);
  // Resuming goes on from the newest checkpoint, which may be steps before the last one reached.
  const checkpointStep = useRuns((s) => (p.run ? (s.checkpointSteps.get(p.run.id) ?? null) : null));
  const needModel = !p.modelLoaded && 'Load the model (step 1) first.';
  // Evaluation and HDR run for minutes on a software GPU: the job's own progress and Cancel, under its step.
  const progressOf = (step: 'evaluate' | 'hdr') =>
    busy === step ? (
      <div data-testid={`demo-${step}-progress`}>
        <JobProgress kinds={[step]} />
      </div>
    ) : null;
  // Trained by another tab of the studio: a second demo run here would halve both on a software GPU,
  // and the guide would follow the copy.
  const elsewhere = runStatus === 'elsewhere' && 'The demo run is training in another tab of the studio; pause or stop it there.';
  // Steps 4–5 follow the demo run: a user who trained a run of their own is told where to take it.
  const ownRunDone = useRuns((s) => s.runs.some((r) => r.kind === 'train' && r.status === 'done' && r.id !== p.run?.id));
  const needRun =
    !trained &&
    (runStatus === 'running'
      ? 'The demo run is training (step 3); wait until it ends.'
      : elsewhere
        ? 'The demo run is training in another tab (step 3); wait until it ends.'
        : resumable
          ? 'Resume the training first (step 3).'
          : ownRunDone
            ? 'Train the demo run first (step 3). Your own runs are evaluated in the Evaluation panel.'
            : 'Train first (step 3).');
  // Another job holds the GPU: as in the Training panel, no run is made for the worker to refuse.
  const gpuBusy = useGpuBusyReason();
  // A run or job holds the loaded model: the worker would refuse the load, as the Model panel says.
  const modelHeld = useModelChangeHeld();
  // Another run training in another tab holds the GPU there, as the Training and Evaluation panels say.
  const trainingElsewhere = useTrainingElsewhere();
  const trainBlocked = needModel || (!p.dataset && 'Use the demo dataset (step 2) first.') || (p.dataset?.byExample && 'Import the demo dataset again, split by question (step 2), first.') || (!!active && 'A run is training now.') || elsewhere || (gpuBusy ?? trainingElsewhere ?? false);
  // Steps 4–5 are jobs too: pressed while the GPU is held, they only failed with this message.
  const jobBlocked = needRun || needModel || (!!active && 'A training run is using the GPU; pause it first.') || (gpuBusy ?? trainingElsewhere ?? false);
  const trainAgain = (primary: boolean) =>
    button(
      'train',
      p.run ? 'Train again' : 'Train',
      () => {
        onOpen('dashboard');
        void train();
      },
      trainBlocked,
      primary,
    );
  const c = p.curve;
  const cfg = DEMO_RUN_CONFIG;
  return (
    <section className="panel" aria-labelledby="demo-title" data-testid="demo-guide">
      <h2 id="demo-title" tabIndex={-1}>Try the demo</h2>
      <p>
        Watch a small model learn to call functions, in this browser, in a few minutes: five steps below, one click each. Step 3 trains a LoRA adapter (a small add-on to the frozen model) with the SSB loss: the
        reasoning and the call each averaged on their own, then weighted by a learned balance α, so a long reasoning cannot drown the short call. Step 5, HDR (hard-case re-sampling), tries again on what the adapter
        still gets wrong. Both come from the BalanceSFT/FunReason method.
        {software && ' This browser uses a software GPU (the CPU): the demo is sized for it; a real model needs a hardware GPU.'}
      </p>
      <div className="note" data-testid="demo-model-note">
        <p>
          <strong>The embedded model</strong> is a tiny Qwen3 (9.8 M parameters) that this project pre-trained from scratch on its own synthetic function-calling examples. It gets about one in eight of the demo's
          held-out requests wrong; a few minutes of LoRA on a CPU fix most of them (measured: 88% → 97% right). It knows only the 547 tokens of its pre-training, so it cannot learn your own data.
        </p>
        <p>
          <strong>A real model</strong> (Qwen2.5 0.5B Instruct, Qwen3 0.6B from the Model panel) is 50× larger: it needs a hardware GPU with 2–4 GB free and a 1–1.5 GB download, cached after the first time.
        </p>
        <details data-testid="demo-model-more">
          <summary>More on the embedded model, and on your own data</summary>
          <p>
            It has 2 layers and a hidden size of 64; 9.7 M of its parameters are the 151,936-token vocabulary table, of which it has rows only for the tokens of its pre-training: weather and forecasts, calendar
            lookups, arithmetic, web search, unit conversion, stock prices, two calls at once, and a little small talk, none of them a question of the demo dataset. It writes the format — reasoning in
            &lt;think&gt;, then a &lt;tool_call&gt; — and its wrong answers are mostly calls that do not parse. The demo's gain is on requests no training example asks (each question is held out with all its
            examples, so none is an answer the adapter trained on); HDR then re-samples answers for training examples the adapter still gets wrong; on this little data an adapter may also unlearn a call it
            knew: the table under step 4 shows each kind once it has run. It cannot chat beyond a few replies.
          </p>
          <p>
            <strong>Your own data</strong>: the Dataset panel takes .json, .jsonl and .parquet files, or a Hugging Face dataset by its id (owner/name): it lists the dataset’s files with their sizes, the train
            split’s ticked, and downloads the ones you tick. Train it on a real model: the Training panel says how much of your data the loaded model cannot read.
          </p>
        </details>
      </div>
      {error && <Alert message={error} onDismiss={dismiss} testId="demo-error" />}
      <ol className="demo-steps">
        <Step n={1} title="Model" done={p.modelLoaded} action={button('model', p.modelLoaded ? 'Loaded' : 'Load the embedded model', () => void loadModel(), p.modelLoaded || (modelHeld ?? false))}>
          {p.modelLoaded ? 'The embedded tiny Qwen3 is loaded on the GPU.' : 'No download: it ships with the studio.'}
        </Step>
        <Step n={2} title="Data" done={!!p.dataset && !p.dataset.byExample} action={button('data', p.dataset?.byExample ? 'Import it again, split by question' : demoSelected ? 'In use' : 'Use the demo dataset', () => void useDemoData(), demoSelected && !p.dataset?.byExample)}>
          {p.dataset?.byExample ? (
            <span data-testid="demo-dataset-by-example">
              The demo-dataset stored here ({p.dataset.examples} examples) was split example by example, before splits kept the examples asking one question together: some of its held-out requests are asked word for word by a training example, and their answers measure what the model remembers. Importing it again splits it by question; your runs on this copy stay.
            </span>
          ) : p.dataset ? (
            <>
              <span data-testid="demo-dataset">demo-dataset: {p.dataset.examples} examples</span>, split by the studio into training and held-out examples (the held-out ones are never trained on).{' '}
              <button className="link" onClick={() => open('dataset')}>
                Look at them
              </button>
            </>
          ) : (
            'Tool-use examples in OpenAI format: one tool or several, parallel calls, and questions that need no call; each answer reasons briefly first.'
          )}
        </Step>
        <Step
          n={3}
          title="Train"
          done={trained}
          action={
            resumable && p.run ? (
              <span className="row">
                <KeepFocusButton
                  className="primary"
                  data-testid="demo-resume"
                  disabled={!!busy || !!trainBlocked}
                  reasonId={trainBlocked && !busy ? 'demo-train-blocked' : null}
                  onClick={() => {
                    onOpen('dashboard');
                    void resume();
                  }}
                >
                  {busy === 'train' ? 'Working…' : resumeLabel(p.run, checkpointStep)}
                </KeepFocusButton>
                {trainAgain(false)}
              </span>
            ) : (
              trainAgain(true)
            )
          }
        >
          <p>
            {cfg.steps} steps of LoRA (rank {cfg.lora.rank}) at learning rate {cfg.lr}, {cfg.batchSize} examples a step, with the SSB loss: the balance weight α between reasoning and call starts at {cfg.alpha0} and learns at rate {cfg.balanceLr} by the BalanceSFT paper’s rule (gradient descent on α), which moves it toward whichever part the model already predicts better (the dashboard says which, and why).
          </p>
          {c && (
            <p
              data-testid="demo-curve"
              data-first-loss={c.firstLoss}
              data-last-loss={c.lastLoss}
              data-held-out-before={c.heldOut?.before.evalLossTokens}
              data-held-out-last={c.heldOut?.last.evalLossTokens}
              data-held-out-call-before={c.heldOut?.before.evalLossCall}
              data-held-out-call-last={c.heldOut?.last.evalLossCall}
              data-weighted-before={c.heldOut?.before.evalLoss}
              data-weighted-last={c.heldOut?.last.evalLoss}
              data-first-alpha={c.firstAlpha}
              data-last-alpha={c.lastAlpha}
              data-steps={c.steps}
            >
              Step {c.steps}
              {c.heldOut && (
                <>
                  : on the held-out examples, loss per token {c.heldOut.before.evalLossTokens.toFixed(3)} before training → <strong>{c.heldOut.last.evalLossTokens.toFixed(3)}</strong>, on the call tokens {c.heldOut.before.evalLossCall.toFixed(3)} →{' '}
                  <strong>{c.heldOut.last.evalLossCall.toFixed(3)}</strong>
                </>
              )}
              ; the training loss jumps with each batch of {cfg.batchSize} examples (a batch holding a call the model gets wrong spikes it), so the held-out numbers
              are the ones to read
              {runStatus && runStatus !== 'done' && runStatus !== 'running' && ` (${runStatus === 'elsewhere' ? 'training in another tab' : runStatus})`}.{' '}
              <button className="link" onClick={() => open('dashboard')}>
                Open the dashboard
              </button>
            </p>
          )}
          {c && <p data-testid="demo-alpha">{demoAlphaText(c)}</p>}
          {c?.heldOut && (
            <p className="muted" data-testid="demo-weighted-note">
              {weightedLossText({ ...c, heldOut: c.heldOut })}
            </p>
          )}
        </Step>
        <Step n={4} title="Evaluate" done={!!p.accuracy.trained} action={button('evaluate', 'Compare base and trained', () => void evaluate(), jobBlocked)}>
          <p>Both answer the same held-out examples; a call counts as right when the AST checker (the Berkeley Function-Calling Leaderboard's: it parses the call and compares the function and every argument) finds them right.</p>
          {progressOf('evaluate')}
          {(p.accuracy.base || p.accuracy.trained) && (
            <p data-testid="demo-accuracy" data-base={p.accuracy.base?.summary.accuracy} data-trained={p.accuracy.trained?.summary.accuracy}>
              Held-out accuracy: base model {p.accuracy.base ? `${pct(p.accuracy.base.summary.accuracy)} (${p.accuracy.base.summary.correct} of ${p.accuracy.base.summary.total})` : '—'} → trained{' '}
              <strong>{p.accuracy.trained ? `${pct(p.accuracy.trained.summary.accuracy)} (${p.accuracy.trained.summary.correct} of ${p.accuracy.trained.summary.total})` : '—'}</strong>.{' '}
              <button className="link" onClick={() => open('eval')}>
                See every answer
              </button>
            </p>
          )}
          {p.accuracy.base?.summary.asked && p.accuracy.trained?.summary.asked && (
            <p data-testid="demo-asked">{askedInTrainingText(p.accuracy.base.summary.asked, p.accuracy.trained.summary.asked)}</p>
          )}
          {p.accuracy.base && p.accuracy.trained && <AnswerSplit baseId={p.accuracy.base.id} trainedId={p.accuracy.trained.id} />}
          {p.accuracy.base && p.accuracy.trained && (
            <p data-testid="demo-lora-gain">
              {loraGainText(c)}{' '}
              <button className="link" onClick={() => open('ablation')}>
                Open the Ablation panel
              </button>
            </p>
          )}
          {p.accuracy.base && p.accuracy.trained && <CategoryComparison base={p.accuracy.base.summary} trained={p.accuracy.trained.summary} />}
        </Step>
        <Step n={5} title="Hard cases (HDR)" done={!!p.hdr} action={button('hdr', 'Run HDR', () => void runHdr(), jobBlocked)}>
          {progressOf('hdr')}
          <p>
            The trained adapter answers {DEMO_HDR.mineLimit} training examples; each it gets wrong joins the hard-case pool. It then samples {DEMO_HDR.settings.samplesPerCase} answers per hard case at temperature {DEMO_HDR.settings.temperature}; answers that pass the
            checks become new training data and their cases leave the pool.
          </p>
          {p.hdr && (
            <p data-testid="demo-hdr-result" data-pool-before={p.hdr.poolBefore} data-pool-after={p.hdr.poolAfter} data-added={p.hdr.added}>
              Hard-case pool: {p.hdr.poolBefore} → <strong>{p.hdr.poolAfter}</strong> after {p.hdr.row.rounds.length === 1 ? 'one round' : `${p.hdr.row.rounds.length} rounds`}, {plural(p.hdr.added, 'new training example')} in the dataset.{' '}
              <button className="link" onClick={() => open('eval')}>
                See the rounds
              </button>
            </p>
          )}
        </Step>
      </ol>
      {p.run?.status === 'done' && (
        <p data-testid="demo-take-home">
          To use the trained model elsewhere, its run's <strong>Export or push</strong> in <strong>Runs &amp; snapshots</strong> saves it as one GGUF file for llama.cpp, Ollama or LM Studio (the adapter merged into the weights), as a Hugging Face
          folder with the adapter merged (transformers, vLLM, MLX), as an ONNX model for transformers.js, or the run as a .zip whose adapter Python PEFT loads.{' '}
          <button className="link" onClick={() => open('runs')}>
            Open Runs &amp; snapshots
          </button>
        </p>
      )}
      {/* The way from the demo to the user's own run: the same steps, on their data and a real model. */}
      {p.run?.status === 'done' && (
        <p data-testid="demo-next">
          <strong>Next, your own data.</strong> Drop its files on the page, or give a Hugging Face dataset’s id, in the{' '}
          <button className="link" onClick={() => onOpen('dataset')}>
            Dataset panel
          </button>
          ; load a real model in the{' '}
          <button className="link" onClick={() => onOpen('model')}>
            Model panel
          </button>{' '}
          (a hardware GPU); then Start training in the Training panel, whose sequence length follows your data. Evaluating the run sets it beside the base model on the same examples, as step 4 does here.
        </p>
      )}
    </section>
  );
}

type AskedSplit = { inTraining: { correct: number; total: number }; notInTraining: { correct: number; total: number } };

/** The base and trained accuracies on the held-out questions a training example also asks, and on
 * the others: a gain on the first is memory, on the second the task. */
export function askedInTrainingText(base: AskedSplit, trained: AskedSplit): string {
  const n = trained.inTraining.total;
  return `${n === 1 ? '1 of them is' : `${n} of them are`} asked word for word by a training example too: ${base.inTraining.correct} → ${trained.inTraining.correct} right there, answers the adapter trained on. On the other ${trained.notInTraining.total}, the task itself: ${base.notInTraining.correct} → ${trained.notInTraining.correct}.`;
}

