// A searchable, paged table of examples (tools, query, calls, quality) and the chosen example in full.
import { useMemo, useState } from 'react';
import type { ExampleRow } from '../../state/queries.ts';
import type { QualityRule } from '../../data/quality-check.ts';
import { callText, lastUserMessage, searchableText } from './exampleText.ts';
import { ExampleDetail } from './ExampleDetail.tsx';
import { RULE_TEXT } from './QualityReportView.tsx';
import { useFocusReturn } from '../shell/focusReturn.ts';
import { KeepFocusButton } from '../shell/KeepFocusButton.tsx';

export const openExampleButtonId = (exampleId: string) => `open-example-${exampleId}`;

const PAGE = 25;

export function ExampleBrowser({ rows, ruleFilter, onClearRule }: { rows: ExampleRow[]; ruleFilter: QualityRule | null; onClearRule: () => void }) {
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(0);
  const [openId, setOpenId] = useState<string | null>(null);
  const index = useMemo(() => rows.map((r) => searchableText(r.example)), [rows]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return rows.filter((r, i) => (!q || index[i].includes(q)) && (!ruleFilter || r.quality.failures.some((f) => f.rule === ruleFilter)));
  }, [rows, index, query, ruleFilter]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const at = Math.min(page, pages - 1);
  const open = rows.find((r) => r.id === openId) ?? null;
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
            setPage(0);
          }}
        />
        <span className="muted" role="status" data-testid="example-count">
          {shown.length.toLocaleString()} of {rows.length.toLocaleString()}
        </span>
        {ruleFilter && (
          <button onClick={onClearRule} aria-label={`Stop filtering by rule ${ruleFilter}`}>
            only: {RULE_TEXT[ruleFilter]} fails ✕
          </button>
        )}
      </div>
      <div className="tablewrap">
        <table className="examples">
          <thead>
            <tr>
              <th scope="col">id</th>
              <th scope="col">tools</th>
              <th scope="col">query</th>
              <th scope="col">calls</th>
              <th scope="col">quality</th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(at * PAGE, at * PAGE + PAGE).map((r) => (
              <tr key={r.id} className={r.id === openId ? 'selected' : ''}>
                <td>
                  <button id={openExampleButtonId(r.id)} className="link" onClick={() => setOpenId(r.id === openId ? null : r.id)} aria-expanded={r.id === openId} aria-label={`Open example ${r.id}`}>
                    {r.id}
                  </button>
                </td>
                <td>{r.example.tools.map((t) => t.name).join(', ')}</td>
                <td className="clip">{lastUserMessage(r.example)}</td>
                <td className="clip mono">{r.example.target.calls.map(callText).join('; ') || '(no call)'}</td>
                <td className={r.quality.passed ? 'ok' : 'error'}>{r.quality.passed ? 'ok' : r.quality.failures.map((f) => RULE_TEXT[f.rule as QualityRule] ?? f.rule).join('; ')}</td>
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
      {open && <ExampleDetail row={open} onClose={() => setOpenId(null)} />}
    </div>
  );
}
