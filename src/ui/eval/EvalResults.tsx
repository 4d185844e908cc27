// Results of an evaluation run: accuracy overall, BFCL's aggregate (live and non-live apart), per
// category and per failed rule, and every
// failure with the model's output beside the expected calls (all shown as text).
import { useState } from 'react';
import { downloadEvalAnswers } from '../../state/evalAnswersDownload.ts';
import { categoryWords } from '../format.ts';
import { useEvalPredictions, useExampleRow } from '../../state/datasetViews.ts';
import type { EvalRunRow, Prediction, StoredRun } from '../../state/queries.ts';
import { ggufEvalText, latestEvalPerAdapter, useRuns } from '../../state/runStore.ts';
import { useJobs } from '../../state/jobStore.ts';
import { targetCallTexts, visibleOutput } from '../dataset/exampleText.ts';
import { ExampleAnswerEditor } from '../dataset/ExampleAnswerEditor.tsx';
import { useAnswerEdit } from '../../state/answerEditStore.ts';
import { BfclScoreView } from './BfclScoreView.tsx';
import { askedText, byStepText, cutOffNote, tooLongNote } from '../../eval/summaryNotes.ts';
import { ACCURACY_COUNTS } from '../../eval/bfcl-score.ts';
import { accuracyIntervalText } from '../../eval/accuracyInterval.ts';
import { AnswerComparisonText } from './AnswerComparisonText.tsx';
import { ruleWords } from '../../eval/ruleWords.ts';
import { modelRefWords } from '../../worker/protocol.ts';

/** The selected dataset's evaluations (all of them while none is selected), newest first; a pick
 * holds until the next evaluation ends, which is then shown. */
export function EvalResults({ datasetId }: { datasetId: string | null }) {
  const runs = useRuns((s) => s.runs).filter((r): r is EvalRunRow => r.kind === 'eval' && (datasetId === null || r.datasetId === datasetId));
  const latest = useJobs((s) => s.lastEval?.evalRunId ?? null);
  const [chosen, setChosen] = useState<{ id: string; after: string | null } | null>(null);
  // Unpicked, the evaluation this page ran last (an adapter's, though the base model answered after
  // it to be set beside it), else the newest.
  const row = (chosen?.after === latest ? runs.find((r) => r.id === chosen.id) : undefined) ?? runs.find((r) => r.id === latest) ?? runs[0] ?? null;
  const runId = row?.id ?? null;
  if (runs.length === 0) return <p className="muted">No evaluation of this dataset yet.</p>;
  return (
    <div className="stack" data-testid="eval-results">
      <div className="row">
        <h3>Evaluation results</h3>
        <div className="field inline">
          <label htmlFor="eval-run">Evaluation</label>
          <select id="eval-run" value={runId ?? ''} onChange={(e) => setChosen({ id: e.target.value, after: latest })}>
            {runs.map((r) => (
              <option key={r.id} value={r.id}>
                {r.name ?? r.id} · {new Date(r.createdAt).toLocaleString()}
              </option>
            ))}
          </select>
        </div>
      </div>
      <AccuracyByAdapter runs={runs.filter((r) => r.datasetId === row?.datasetId)} />
      {row?.summary && <EvalSummaryView row={row} others={runs.filter((r) => r.datasetId === row.datasetId && r.id !== row.id)} onJudged={(id) => setChosen({ id, after: latest })} />}
    </div>
  );
}

/** Every evaluation of a dataset side by side, newest per adapter: base model against the trained
 * adapters on the same held-out examples. */
/** What answered an evaluation: the run's adapter by the run's name, a GGUF file by its own, or the
 * base model (named by the model where `models` are several: an adapter is read beside its own base). */
function answeredBy(r: EvalRunRow, all: StoredRun[], models: ReadonlySet<string | undefined>): string {
  const id = r.config.adapterRunId;
  const run = id === null ? null : (all.find((x) => x.id === id)?.name ?? 'a deleted run');
  if (r.config.gguf) return ggufEvalText(r.config.gguf, run);
  if (run !== null) return run;
  return models.size > 1 ? `base model ${r.modelRef ? modelRefWords(r.modelRef) : '(unknown)'} (no adapter)` : 'base model (no adapter)';
}

function AccuracyByAdapter({ runs }: { runs: EvalRunRow[] }) {
  const all = useRuns((s) => s.runs);
  const rows = latestEvalPerAdapter(runs);
  if (rows.length < 2) return null;
  const models = new Set(rows.map((r) => r.modelRef));
  const adapterName = (r: EvalRunRow) => answeredBy(r, all, models);
  const categories = [...new Set(rows.flatMap((r) => Object.keys(r.summary.byCategory)))].sort();
  // The accuracy on the questions no training example asks, where training asks some word for word.
  const asked = rows.some((r) => r.summary.asked);
  // Rows scored on other examples, with another token budget or on another model are not a like-for-like comparison.
  const differ = new Set(rows.map((r) => `${r.summary.total}/${r.config.limit}`)).size > 1 || new Set(rows.map((r) => r.config.maxNewTokens)).size > 1 || models.size > 1;
  // The same examples, judged against expected answers edited between the evaluations (rows kept before the key say nothing).
  const relabeled = !differ && rows.every((r) => r.judgedAgainst !== undefined) && new Set(rows.map((r) => r.judgedAgainst)).size > 1;
  return (
    <div className="tablewrap">
      {differ && (
        <p className="muted" data-testid="accuracy-compare-mismatch">
          These evaluations differ in their model, their examples or their Max new tokens, so their accuracies are not a like-for-like comparison; evaluate each with the same settings to compare them.
        </p>
      )}
      {relabeled && (
        <p className="note" data-testid="accuracy-compare-relabeled">
          These evaluations did not judge the same examples against the same expected answers: some were edited (or examples included or left out) between them. Judge the older ones’ answers again (“Judge these answers again” under each) to compare them like for like.
        </p>
      )}
      <table className="rules accuracy-compare" data-testid="accuracy-compare">
        <caption>Accuracy by adapter (each adapter's and each GGUF file's latest evaluation)</caption>
        <thead>
          <tr>
            <th scope="col">Adapter or file</th>
            <th scope="col">Examples</th>
            <th scope="col">Max new tokens</th>
            <th scope="col">Accuracy</th>
            {asked && (
              <th scope="col" title="The held-out questions no training example asks word for word (the same conversation and tools): the task, not recall">
                Not asked in training
              </th>
            )}
            {categories.map((c) => (
              <th key={c} scope="col" title={c}>
                {categoryWords(c)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <td>{adapterName(r)}</td>
              <td>{r.summary.total}</td>
              <td>{r.config.maxNewTokens}</td>
              <td>
                <strong>{(r.summary.accuracy * 100).toFixed(1)}%</strong>
              </td>
              {asked && <td data-testid="accuracy-compare-not-asked">{r.summary.asked ? `${r.summary.asked.notInTraining.correct} / ${r.summary.asked.notInTraining.total}` : '—'}</td>}
              {categories.map((c) => (
                <td key={c}>{r.summary.byCategory[c] ? `${r.summary.byCategory[c].correct} / ${r.summary.byCategory[c].total}` : '—'}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The evaluation to set an evaluation's answers beside by default: a GGUF file's, the adapter it
 * holds (or, for a file the user gave, the base model); an adapter's, the base model; newest first. */
export function defaultComparison(row: EvalRunRow, others: EvalRunRow[]): EvalRunRow | null {
  const base = (r: EvalRunRow) => !r.config.gguf && r.config.adapterRunId === null && r.modelRef === row.modelRef;
  if (row.config.gguf) return others.find((r) => (row.config.adapterRunId === null ? base(r) : !r.config.gguf && r.config.adapterRunId === row.config.adapterRunId)) ?? null;
  return row.config.adapterRunId === null ? null : (others.find(base) ?? null);
}

/** This evaluation's answers beside another's of the same dataset, answer by answer. */
function CompareAnswers({ row, others, answers, error }: { row: EvalRunRow; others: EvalRunRow[]; answers: Prediction[] | null; error: string | null }) {
  const all = useRuns((s) => s.runs);
  const candidates = others.filter((r) => r.summary && r.summary.total > 0);
  // null: the default (defaultComparison); '': none.
  const [picked, setPicked] = useState<string | null>(null);
  const chosen = picked === null ? defaultComparison(row, candidates) : (candidates.find((r) => r.id === picked) ?? null);
  if (candidates.length === 0) return null;
  const models = new Set([row, ...candidates].map((r) => r.modelRef));
  const name = (r: EvalRunRow) => answeredBy(r, all, models);
  return (
    <div className="stack">
      <div className="field inline">
        <label htmlFor="eval-compare">Compare its answers with</label>
        <select id="eval-compare" value={chosen?.id ?? ''} onChange={(e) => setPicked(e.target.value)}>
          <option value="">no other evaluation</option>
          {candidates.map((r) => (
            <option key={r.id} value={r.id}>
              {name(r)} · {r.summary.total} examples · {new Date(r.createdAt).toLocaleString()}
            </option>
          ))}
        </select>
      </div>
      {chosen && <AnswerComparisonText answers={answers} error={error} otherId={chosen.id} there={name(chosen)} />}
    </div>
  );
}

function EvalSummaryView({ row, others, onJudged }: { row: EvalRunRow; others: EvalRunRow[]; onJudged: (id: string) => void }) {
  const s = row.summary;
  const all = useRuns((st) => st.runs);
  const answers = useEvalPredictions(row.id);
  const failures = answers.value?.filter((p) => !p.valid) ?? null;
  const cut = cutOffNote(s);
  const skipped = tooLongNote(s, row.config.maxNewTokens);
  const byStep = s.byStep && byStepText(s.byStep);
  const asked = s.asked && askedText(s.asked);
  return (
    <>
      <p>
        <strong data-testid="eval-accuracy">{s.total === 0 ? '—' : `${(s.accuracy * 100).toFixed(1)}%`}</strong> correct ({s.correct} of {s.total}{s.total > 0 ? `; ${accuracyIntervalText(s.correct, s.total)}` : ''}){s.total > 0 ? `: ${ACCURACY_COUNTS}` : ''}{row.message ? ` · ${row.message}` : ''}
      </p>
      <JudgeAgain row={row} judgedFrom={row.config.judgedFrom ? (all.find((r) => r.id === row.config.judgedFrom) ?? null) : undefined} onJudged={onJudged} />
      {byStep && (
        <p data-testid="eval-by-step">
          {byStep[0].toUpperCase() + byStep.slice(1)}.
        </p>
      )}
      {asked && (
        <p data-testid="eval-asked">
          {asked[0].toUpperCase() + asked.slice(1)}.
        </p>
      )}
      {cut && (
        <p className="muted" data-testid="eval-cut-off">
          {cut[0].toUpperCase() + cut.slice(1)} ({row.config.maxNewTokens} new tokens).
        </p>
      )}
      {skipped && (
        <p className="muted" data-testid="eval-too-long">
          {skipped[0].toUpperCase() + skipped.slice(1)}.
        </p>
      )}
      <CompareAnswers key={row.id} row={row} others={others} answers={answers.value ?? null} error={answers.error ?? null} />
      <div className="grid2">
        <BfclScoreView score={s.bfcl} />
        <table className="rules">
          <caption>Per category</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Correct</th>
              <th scope="col">Accuracy</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(s.byCategory).map(([cat, t]) => (
              <tr key={cat}>
                <td title={cat}>{categoryWords(cat)}</td>
                <td>
                  {t.correct} / {t.total}
                </td>
                <td>{(t.accuracy * 100).toFixed(1)}%</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="rules">
          <caption>Failures per rule</caption>
          <tbody>
            {Object.keys(s.failureRules).length === 0 && (
              <tr>
                <td>none</td>
              </tr>
            )}
            {Object.entries(s.failureRules).map(([rule, n]) => (
              <tr key={rule}>
                <td>
                  {ruleWords(rule)}
                  {ruleWords(rule) !== rule && <span className="small muted mono"> {rule}</span>}
                </td>
                <td>{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {failures ? (
        <details open={failures.length <= 10}>
          <summary>Failures ({failures.length})</summary>
          <ul className="plain">
            {failures.map((p) => (
              <FailureItem key={p.exampleId} datasetId={row.datasetId} prediction={p} judgedAt={row.createdAt} />
            ))}
          </ul>
        </details>
      ) : (
        <p className="muted" data-testid="eval-failures-loading">
          {answers.error ?? 'Reading the answers…'}
        </p>
      )}
    </>
  );
}

/** Judging an evaluation's answers again against the expected answers as they are now (after a
 * wrong label was fixed): no GPU, the model's kept answers; and, for an evaluation made so, whose
 * answers it judged. `judgedFrom`: that evaluation (null: deleted since; undefined: none). */
function JudgeAgain({ row, judgedFrom, onJudged }: { row: EvalRunRow; judgedFrom: StoredRun | null | undefined; onJudged: (id: string) => void }) {
  const judging = useAnswerEdit((s) => s.judging);
  const judged = useAnswerEdit((s) => (s.judged && (s.judged.runId === row.id || s.judged.judgedId === row.id) ? s.judged : null));
  const can = row.status === 'done' && row.summary.total > 0;
  return (
    <div className="stack">
      {judgedFrom !== undefined && (
        <p className="muted" data-testid="eval-judged-from">
          Not answered again: the answers of {judgedFrom ? `“${judgedFrom.name ?? judgedFrom.id}” (${new Date(judgedFrom.createdAt).toLocaleString()})` : 'an evaluation deleted since'}, judged against the expected answers as they were on {new Date(row.createdAt).toLocaleString()}.
        </p>
      )}
      {can && (
        <div className="row">
          <button
            data-testid="judge-again"
            aria-disabled={judging !== null}
            title="After you fixed expected answers: the model's kept answers judged against them as they are now, as an evaluation of its own (no GPU, nothing is generated)"
            onClick={() => {
              if (judging === null) void useAnswerEdit.getState().judgeAgain(row.id).then((id) => id && onJudged(id));
            }}
          >
            {judging === row.id ? 'Judging…' : 'Judge these answers again'}
          </button>
          <span className="small muted">against the expected answers as they are now (after you fixed some); the model is not asked again.</span>
        </div>
      )}
      {can && <DownloadAnswers row={row} />}
      {judged && (
        <p role="status" className={judged.failed ? 'error' : 'ok'} data-testid="eval-judged">
          {judged.text}
        </p>
      )}
    </div>
  );
}

/** The evaluation's answers as a file: the lines `studio eval --out` writes, which `studio eval
 * --against` reads beside another evaluation of the same examples, and a notebook too. */
function DownloadAnswers({ row }: { row: EvalRunRow }) {
  const [failed, setFailed] = useState<string | null>(null);
  return (
    <div className="row">
      <button
        data-testid="download-answers"
        onClick={() => {
          setFailed(null);
          downloadEvalAnswers(row).catch((err: unknown) => setFailed(`Could not read the answers to download: ${(err as Error).message}.`));
        }}
      >
        Download the answers (.jsonl)
      </button>
      <span className="small muted">each answer with its verdict, every reason it failed and how it ended, one JSON line each, as studio eval --out writes them.</span>
      {failed && (
        <span className="error small" role="alert">
          {failed}
        </span>
      )}
    </div>
  );
}

/** One failed answer: every reason the checker gave (a parallel answer's "no match" is explained by
 * why each call did not match), the model's output and the expected calls. */
export function FailureItem({ datasetId, prediction: p, judgedAt }: { datasetId: string; prediction: Prediction; judgedAt?: number }) {
  const read = useExampleRow(datasetId, p.exampleId);
  const example = read.value?.example ?? null;
  // null while it is read (or when the read failed), undefined once read and not there.
  const missing = read.error ?? (read.value === null ? 'Reading the example…' : 'the example is no longer in this browser');
  const [first, ...details] = p.errors;
  return (
    <li className="detail">
      <div className="row spread">
        <strong>{p.exampleId}</strong>
        <span className="error">
          {first?.rule ?? 'failed'}: {first?.message ?? ''}
        </span>
      </div>
      {details.length > 0 && (
        <ul className="plain small">
          {details.map((d, i) => (
            <li key={i} title={d.rule}>
              {d.where}: {d.message}
            </li>
          ))}
        </ul>
      )}
      <div className="grid2">
        <div>
          <h4>Model output ({p.generatedTokens} tokens, {p.finishReason})</h4>
          <pre className="wrap">{visibleOutput(p.output)}</pre>
        </div>
        <div>
          <h4>Expected</h4>
          <pre className="wrap seg-call-text">{example ? targetCallTexts(example.target).join('\n') || '(no call)' : missing}</pre>
          {/* Words the answer gives beside (or instead of) its calls: they train too. */}
          {example?.target.content && (
            <pre className="wrap" data-testid="expected-text">
              {example.target.content}
            </pre>
          )}
          {read.value?.editedAt !== undefined && judgedAt !== undefined && read.value.editedAt > judgedAt && (
            <p className="note" data-testid="expected-edited-since">
              You changed this expected answer after this evaluation (an edit, or the imported one put back): its verdict was judged against the answer it had then. Evaluate again to judge against this one.
            </p>
          )}
          {/* A wrong label counts a right answer wrong: fixed here, it trains and evaluates as fixed.
              Offered only for an answer that makes calls: one with none (a stray sentence, a turn
              cut off) offered to turn a call example into one that answers with nothing. */}
          {read.value && <ExampleAnswerEditor row={read.value} {...(p.calls !== undefined && p.calls.length > 0 && { modelAnswer: p.output })} />}
        </div>
      </div>
    </li>
  );
}
