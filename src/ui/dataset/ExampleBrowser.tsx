// A searchable, paged table of examples (tools, query, calls, quality, whether training uses it),
// filtered by use (used / left out / flagged), and the chosen example in full. With a filter on,
// every example it shows (all its pages) can be left out or included at once.
// The worker searches and pages (state/exampleRows.ts `useExamplePage`); this renders one page, and
// the open example is read by its id. The search and page are kept with the rule they page
// (`useExampleBrowse`): a new rule or search starts at its first page.
import { useState } from 'react';
import type { DatasetRow } from '../../state/queries.ts';
import { examplesOnShow, useExampleBrowse, useExamplePage, type ExampleUse } from '../../state/exampleRows.ts';
import { useExampleRow } from '../../state/datasetViews.ts';
import type { QualityRule } from '../../data/quality-check.ts';
import { targetCallTexts } from './exampleText.ts';
import { ExampleDetail } from './ExampleDetail.tsx';
import { RULE_TEXT } from './QualityReportView.tsx';
import { useFocusReturn } from '../shell/focusReturn.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';
import { Alert } from '../shell/Alert.tsx';
import { plural } from '../format.ts';
import { changesNoneText, inclusionAsks, ManyInclusionButton, ManyInclusionQuestion } from './ManyInclusion.tsx';

export const openExampleButtonId = (exampleId: string) => `open-example-${exampleId}`;

const PAGE = 25;

const USE_TEXT: Record<ExampleUse, string> = { all: 'all', used: 'used', 'left-out': 'left out', flagged: 'flagged', edited: 'edited by you', repeated: 'held out, asked in training too' };

/** An example's failures in its row: each rule once, as failing, with how often ("fails: required
 * arguments are present ×4"); the rule's name alone, four times over, read as praise. */
export function failedRulesText(rules: string[]): string {
  const times = new Map<string, number>();
  for (const rule of rules) times.set(rule, (times.get(rule) ?? 0) + 1);
  return `fails: ${[...times].map(([rule, n]) => `${RULE_TEXT[rule as QualityRule] ?? rule}${n > 1 ? ` ×${n}` : ''}`).join('; ')}`;
}

export function ExampleBrowser({ dataset, ruleFilter, onClearRule }: { dataset: DatasetRow; ruleFilter: QualityRule | null; onClearRule: () => void }) {
  const browsing = useExampleBrowse();
  const { search: query, use, page } = examplesOnShow(browsing, dataset.id, ruleFilter);
  const browse = browsing.browse;
  const setQuery = (search: string) => browse({ datasetId: dataset.id, search, rule: ruleFilter, use, page: 0 });
  const setUse = (next: ExampleUse) => browse({ datasetId: dataset.id, search: query, rule: ruleFilter, use: next, page: 0 });
  const setPage = (n: number) => browse({ datasetId: dataset.id, search: query, rule: ruleFilter, use, page: n });
  const [openId, setOpenId] = useState<string | null>(null);
  const shown = useExamplePage(dataset, { search: query, rule: ruleFilter, use, offset: page * PAGE, limit: PAGE });
  const result = shown.value;
  const total = result?.total ?? dataset.exampleCount;
  // The count is said only for the search on show: with no search and no rule, every example matches.
  const matching = shown.sameFilter && result ? result.matching : !query.trim() && !ruleFilter && use === 'all' ? total : null;
  const pages = Math.max(1, Math.ceil((matching ?? 0) / PAGE));
  // The worker answers with the last page when asked past it (a narrower search, a rule).
  const at = result && shown.sameFilter ? Math.floor(result.offset / PAGE) : Math.min(page, pages - 1);
  // Closing the example returns to its row's button (or the search, if the row is not on show).
  useFocusReturn(openId, openExampleButtonId, 'example-search');
  return (
    <div className="stack" data-testid="example-browser">
      <h3>Examples</h3>
      <div className="row">
        <label htmlFor="example-search">Search</label>
        <input
          id="example-search"
          type="search"
          placeholder="id, query, tool, call, reasoning…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
          }}
        />
        <span className="muted" role="status" data-testid="example-count">
          {matching === null ? 'searching…' : matching.toLocaleString()} of {total.toLocaleString()}
        </span>
        <label htmlFor="example-use">Show</label>
        <select id="example-use" data-testid="example-use" value={use} onChange={(e) => setUse(e.target.value as ExampleUse)}>
          {(Object.keys(USE_TEXT) as ExampleUse[]).map((u) => (
            <option key={u} value={u}>
              {USE_TEXT[u]}
            </option>
          ))}
        </select>
        {ruleFilter && (
          <button onClick={onClearRule} aria-label={`Stop filtering by rule ${ruleFilter}`}>
            only: {RULE_TEXT[ruleFilter]} fails ✕
          </button>
        )}
      </div>
      {result && matching !== null && (query.trim() || ruleFilter || use !== 'all') && shown.sameFilter && <ShownInclusion datasetId={dataset.id} shown={{ search: query, rule: ruleFilter, use }} matching={matching} used={result.used} />}
      <ManyInclusionQuestion datasetId={dataset.id} from="table" shown={{ search: query, rule: ruleFilter, use }} />
      {shown.error && <Alert message={shown.error} />}
      <div className="tablewrap">
        <table className="examples" aria-busy={!shown.fresh}>
          <thead>
            <tr>
              <th scope="col">id</th>
              <th scope="col">tools</th>
              <th scope="col">query</th>
              <th scope="col">calls</th>
              <th scope="col">quality</th>
              <th scope="col">used</th>
            </tr>
          </thead>
          <tbody>
            {!result && !shown.error && (
              <tr>
                <td colSpan={6} className="muted">
                  Reading examples…
                </td>
              </tr>
            )}
            {result?.rows.map((r) => (
              <tr key={r.id} className={[r.id === openId ? 'selected' : '', r.included ? '' : 'left-out'].filter(Boolean).join(' ')}>
                <td>
                  <button id={openExampleButtonId(r.id)} className="link" onClick={() => setOpenId(r.id === openId ? null : r.id)} aria-expanded={r.id === openId} aria-label={`Open example ${r.id}`}>
                    {r.id}
                  </button>
                </td>
                <td>{r.toolNames.join(', ')}</td>
                <td className="clip">{r.query}</td>
                <td className="clip mono">
                  {r.edited && <span className="chip">edited</span>}
                  {r.edited && ' '}
                  {targetCallTexts(r).join('; ') || '(no call)'}
                </td>
                <td className={r.passed ? 'ok' : 'error'}>{r.passed ? 'ok' : failedRulesText(r.failedRules)}</td>
                {/* Said in words, not by colour alone: a flagged example the user included is used. */}
                <td data-testid="example-used" className={r.included ? '' : 'muted'}>
                  {r.included ? (r.passed ? 'yes' : 'yes (included)') : 'left out'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="row">
        <KeepFocusButton disabled={at === 0} onClick={() => setPage(at - 1)}>
          ← Previous
        </KeepFocusButton>
        <span>
          page {at + 1} of {pages}
        </span>
        <KeepFocusButton disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>
          Next →
        </KeepFocusButton>
      </div>
      {openId && <OpenExample datasetId={dataset.id} exampleId={openId} onClose={() => setOpenId(null)} />}
    </div>
  );
}

/** The chosen example in full, read by its id. */
function OpenExample({ datasetId, exampleId, onClose }: { datasetId: string; exampleId: string; onClose: () => void }) {
  const { value: row, error } = useExampleRow(datasetId, exampleId);
  if (error) return <Alert message={error} onDismiss={onClose} />;
  if (row === null)
    return (
      <p className="muted" role="status">
        Reading example {exampleId}…
      </p>
    );
  if (row === undefined) return <Alert message={`Example ${exampleId} is no longer in this dataset.`} onDismiss={onClose} />;
  return <ExampleDetail row={row} onClose={onClose} />;
}

/** What leaving out and including every example a filter shows asks for: the examples each changes. */
export function shownInclusionAsks(datasetId: string, shown: { search: string; rule: QualityRule | null; use: ExampleUse }, { matching, used }: { matching: number; used: number }) {
  return inclusionAsks({ datasetId, from: 'table', selection: { shown } }, { total: matching, used }, 'shown');
}

/** Every example a filter shows, on every page: leave out the used ones, or include the left-out
 * ones. A filter of used (left-out) examples offers only the change that does something. With none
 * shown the buttons stay, off: including the left-out ones shown leaves that filter none, and the
 * keyboard focus, back on the button that asked, would fall to the page body with it. */
function ShownInclusion({ datasetId, shown, matching, used }: { datasetId: string; shown: { search: string; rule: QualityRule | null; use: ExampleUse }; matching: number; used: number }) {
  const { include, leaveOut } = shownInclusionAsks(datasetId, shown, { matching, used });
  const label = (verb: string, ask: typeof include, state: string) => `${verb} the ${ask.count === matching ? '' : `${ask.count.toLocaleString()} ${state} of the `}${matching.toLocaleString()} shown`;
  const off = (ask: typeof include) => (matching === 0 ? 'No example is shown.' : changesNoneText(ask, matching, 'shown'));
  return (
    <div className="row">
      {shown.use !== 'left-out' && <ManyInclusionButton ask={leaveOut} off={off(leaveOut)} testId="leave-out-shown" label={label('Leave out', leaveOut, 'used')} />}
      {shown.use !== 'used' && <ManyInclusionButton ask={include} off={off(include)} testId="include-shown" label={label('Include', include, 'left out')} />}
    </div>
  );
}
