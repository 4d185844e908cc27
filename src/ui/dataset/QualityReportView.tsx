// The quality report: how many examples break each rule, with the failing ones one click away, and
// per rule the examples it alone flagged, to use (a rule the user knows is harmless on their data)
// or to leave out again at once. It renders the dataset's summary as the worker counted it
// (state/exampleRows.ts `useDatasetSummary`).
import type { DatasetRow } from '../../state/queries.ts';
import type { DatasetSummary } from '../../state/exampleRows.ts';
import { QUALITY_RULES, type QualityRule } from '../../data/quality-check.ts';
import { plural } from '../format.ts';
import { changesNoneText, inclusionAsks, ManyInclusionButton, ManyInclusionQuestion } from './ManyInclusion.tsx';
import { SplitSettingsForm } from './SplitSettingsForm.tsx';
import { splitKey } from '../../worker/protocol.ts';

export const RULE_TEXT: Record<QualityRule, string> = {
  tools_valid_schema: 'tool schemas are valid JSON Schema',
  call_names_known_tool: 'calls name a provided tool',
  required_args_present: 'required arguments are present',
  arg_types_match: 'argument types match the schema',
  no_unknown_args: 'no arguments outside the schema',
  reasoning_as_promised: 'reasoning present as the format promises',
  target_json_parses: 'the target parses',
};

export function QualityReportView({ counts, dataset, onShowFailing, activeRule }: { counts: DatasetSummary; dataset: DatasetRow; onShowFailing: (r: QualityRule | null) => void; activeRule: QualityRule | null }) {
  const { quality: summary, examples, train, heldOut, included, trainIncluded } = counts;
  const leftOut = examples - included;
  return (
    <div className="stack" data-testid="quality-report">
      <h3>Quality</h3>
      <p>
        <strong data-testid="quality-passed">{summary.passed}</strong> of {summary.total} examples pass every rule · split with seed {dataset.split.seed}: {train} for training, {heldOut} held out
        {/* Each side's examples the check or the user left out: what training and evaluation take, as the Training panel counts. */}
        {leftOut > 0 && `; ${trainIncluded} and ${included - trainIncluded} of them used (${leftOut} left out)`}
        {counts.questions && counts.questions.total < examples && (
          <span data-testid="quality-questions">
            ; they ask {plural(counts.questions.total, 'distinct question')}, {counts.questions.heldOut} of them held out, each with every example that asks it
          </span>
        )}
        {examples > 0 && heldOut === 0 && (
          <span data-testid="no-eval-split">
            {' '}
            — no held-out examples: the split sets aside about {Math.round(dataset.split.evalFraction * 100)}% of examples by a hash of {dataset.split.by === 'question' ? 'what they ask' : 'their id'}, and with {examples} examples none landed there. Evaluation and HDR need some; hold out a larger share (Split it again, below), or import more examples.
          </span>
        )}
        {examples > 0 && train === 0 && (
          <span data-testid="no-train-split">
            {' '}
            — nothing left to train on:{' '}
            {dataset.split.by === 'question'
              ? `the split holds out each question with every example that asks it, and the ${examples} examples here ask so few questions that all of them landed on the held-out side.`
              : `the split sets aside about ${Math.round(dataset.split.evalFraction * 100)}% of examples by a hash of their id, and all ${examples} landed there.`}{' '}
            Training needs some; split it again with another seed or a smaller share (below), or import more examples.
          </span>
        )}
      </p>
      <SplitSettingsForm key={`${dataset.id}:${splitKey(dataset.split)}`} dataset={dataset} />
      {counts.laterSteps && (
        <p className="muted" data-testid="quality-later-steps">
          {laterStepsText(counts.laterSteps)}
        </p>
      )}
      {counts.repeated && (
        <div className="row">
          <p className="warn-text" data-testid="quality-repeated">
            {repeatedText(counts.repeated)}
          </p>
          {/* The remedy where the finding is said: no filter to pick and no table to page through first. */}
          {counts.repeated.used > 0 && <ManyInclusionButton ask={repeatedLeaveOut(dataset.id, counts.repeated.used)} testId="leave-out-repeated" label={`Leave ${counts.repeated.used === 1 ? 'it' : `the ${counts.repeated.used}`} out of evaluation`} />}
        </div>
      )}
      {counts.edited !== undefined && (
        <p data-testid="quality-edited">
          {counts.edited === 1 ? '1 example’s expected answer was' : `${counts.edited} examples’ expected answers were`} edited by you (the Show filter “edited by you” lists them; each keeps the answer it was imported with, to restore). Training, evaluation, downloads and pushes use the edited answers.
        </p>
      )}
      {summary.passed < summary.total && (
        <p className="muted" data-testid="quality-inclusion">
          The check leaves flagged examples out of training and evaluation. Open one in the examples table to train on it anyway (or leave out one that passes); its Show filter lists the examples left out. A rule you know is harmless on your data: use every example it alone flagged at once, below.
        </p>
      )}
      {summary.noted > 0 && (
        <p data-testid="quality-noted">
          {summary.noted} imported with a note on what the import changed or left out (text moved ahead of the calls, turns after the trained one); each example's detail shows its notes.
        </p>
      )}
      <table className="rules">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Failing</th>
            <th scope="col">
              <span className="sr-only">Show</span>
            </th>
            <th scope="col">Flagged by this rule only</th>
          </tr>
        </thead>
        <tbody>
          {QUALITY_RULES.map((rule) => (
            <tr key={rule} className={summary[rule] ? 'bad' : ''}>
              <td title={rule}>{RULE_TEXT[rule]}</td>
              <td>{summary[rule]}</td>
              <td>
                {summary[rule] > 0 && (
                  <button aria-pressed={activeRule === rule} aria-label={`Show the ${plural(summary[rule], 'example')} failing: ${RULE_TEXT[rule]}`} onClick={() => onShowFailing(activeRule === rule ? null : rule)}>
                    {activeRule === rule ? 'Showing' : 'Show'}
                  </button>
                )}
              </td>
              <td>
                <FlaggedOnlyBy rule={rule} datasetId={dataset.id} only={counts.flaggedOnly?.[rule]} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ManyInclusionQuestion datasetId={dataset.id} from="report" />
    </div>
  );
}

/** The examples one rule alone flagged, in words, after their count. */
const flaggedOnlyNamed = (rule: QualityRule) => `flagged only by “${RULE_TEXT[rule]}”`;

/** What using and leaving out the examples one rule alone flagged ask for: the examples each changes. */
export function flaggedOnlyAsks(datasetId: string, rule: QualityRule, { examples, used }: { examples: number; used: number }) {
  return inclusionAsks({ datasetId, from: 'report', selection: { flaggedOnlyBy: rule } }, { total: examples, used }, flaggedOnlyNamed(rule));
}

/** The examples one rule alone flagged: use those left out, or leave those used out again (some may
 * be either way, each opened and changed by hand). Both buttons stay, the one that would change
 * nothing off with its reason, as the examples table's do: once a change goes through, the button
 * that asked it keeps the keyboard focus instead of dropping it to the page body. */
function FlaggedOnlyBy({ rule, datasetId, only }: { rule: QualityRule; datasetId: string; only?: { examples: number; used: number } }) {
  if (!only?.examples) return null;
  const { include, leaveOut } = flaggedOnlyAsks(datasetId, rule, only);
  const named = flaggedOnlyNamed(rule);
  const includeLabel = include.count > 0 && only.used > 0 ? `Train on the ${include.count.toLocaleString()} of them left out` : `Train on the ${plural(only.examples, 'example')} flagged only by this rule`;
  return (
    <div className="row">
      <span className="muted">{only.used === 0 ? 'none used' : only.used === only.examples ? 'all used' : `${only.used} used`}</span>
      <ManyInclusionButton ask={include} off={changesNoneText(include, only.examples, named)} testId={`include-flagged-${rule}`} label={includeLabel} />
      <ManyInclusionButton ask={leaveOut} off={changesNoneText(leaveOut, only.examples, named)} testId={`leave-out-flagged-${rule}`} label="Leave them out again" />
    </div>
  );
}

/** How many examples are later steps of a task (their prompt holds earlier calls and the tools'
 * results), and how many of them the evaluation scores apart. */
export function laterStepsText(l: NonNullable<DatasetSummary['laterSteps']>): string {
  const which = l.examples === 1 ? '1 example answers' : `${l.examples} examples answer`;
  const scored = l.heldOutUsed === 0 ? 'none of them is held out, so an evaluation scores first steps only' : `${l.heldOutUsed} of them held out: an evaluation gives their accuracy apart from the first steps'`;
  return `${which} after earlier calls in ${l.examples === 1 ? 'its' : 'their'} conversation (a later step of a task, with the tools' results in the prompt); ${scored}.`;
}

/** Leaving out, at once, the held-out examples that a used training example asks word for word
 * (the table's Show filter “held out, asked in training too”). */
export function repeatedLeaveOut(datasetId: string, used: number) {
  return { datasetId, from: 'report' as const, selection: { shown: { search: '', rule: null, use: 'repeated' as const } }, included: false, count: used, what: `the ${plural(used, 'held-out example')} a training example asks too` };
}

/** Held-out examples a used training example asks word for word (its conversation and tools): the
 * model trains on their answer, so the evaluation's accuracy on them is recall, not the task. */
export function repeatedText(r: NonNullable<DatasetSummary['repeated']>): string {
  const which = r.heldOut === 1 ? '1 held-out example asks' : `${r.heldOut} held-out examples ask`;
  const one = r.heldOut === 1;
  const verdicts = r.used === 0 ? (one ? 'it is not evaluated (it is left out)' : 'none of them is evaluated (all are left out)') : `${r.used === r.heldOut ? (one ? 'its verdict measures' : 'their verdicts measure') : `the verdicts of the ${r.used} of them evaluated measure`} what the model remembers, not the task`;
  return `${which} what a training example asks (the same conversation and tools): the model trains on ${one ? 'its' : 'their'} answer, so ${verdicts}. The Show filter “held out, asked in training too” lists ${one ? 'it' : 'them'}.`;
}

