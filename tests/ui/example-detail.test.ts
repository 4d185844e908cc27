// The example detail shows everything the example trains on or is prompted with: an earlier
// assistant turn that only called a tool was an empty box, and text a target gives with its calls
// was not shown at all. Import notes (what the parser moved or left out) are shown with it, and the
// quality report counts the examples that have one.
// Rendered with react-dom/server; the token view's worker request is stubbed.
import { createElement } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { renderNow } from '../helpers/render.ts';
import type { Example } from '../../src/data/example.ts';
import type { QualityReport } from '../../src/data/quality-check.ts';
import type { DatasetRow, ExampleRow } from '../../src/state/queries.ts';
import type { DatasetSummary } from '../../src/worker/protocol.ts';

vi.mock('../../src/state/datasetViews.ts', () => ({ useExampleTokens: () => ({ value: undefined, error: undefined }), VIEW_TOKENIZER_NAME: 'test tokenizer' }));
const { ExampleDetail } = await import('../../src/ui/dataset/ExampleDetail.tsx');
const { QualityReportView } = await import('../../src/ui/dataset/QualityReportView.tsx');

const example: Example = {
  id: 'e1',
  tools: [
    { name: 'search_flights', parameters: { type: 'object', properties: { origin: { type: 'string' } } } },
    { name: 'book', parameters: { type: 'object', properties: { id: { type: 'string' } } } },
  ],
  messages: [
    { role: 'user', content: 'Book SFO-JFK' },
    { role: 'assistant', content: '', reasoning: 'Search before booking.', calls: [{ name: 'search_flights', arguments: { origin: 'SFO' } }] },
    { role: 'tool', content: '[{"id":"UA1"}]', name: 'search_flights' },
  ],
  target: { reasoning: 'Book UA1.', content: 'Booking it now.', calls: [{ name: 'book', arguments: { id: 'UA1' } }] },
};

function detail(quality: QualityReport): string {
  const row = { example, quality } as unknown as ExampleRow;
  return renderNow(createElement(ExampleDetail, { row, onClose: () => {} }));
}

describe('the example detail', () => {
  it('shows an earlier assistant turn’s reasoning and calls, and the target’s text beside its calls', () => {
    const html = detail({ passed: true, failures: [] });
    expect(html).toContain('search_flights(origin=&quot;SFO&quot;)');
    expect(html).toContain('Search before booking.');
    expect(html).toContain('Booking it now.');
    expect(html.indexOf('Booking it now.')).toBeLessThan(html.indexOf('book(id=&quot;UA1&quot;)')); // the order it trains in
    expect(html).not.toContain('data-testid="example-notes"');
  });

  it('shows the import notes of an example that passes', () => {
    const html = detail({ passed: true, failures: [], notes: [{ rule: 'later_turns_left_out', detail: '2 turns after the target (tool, assistant) left out' }] });
    expect(html).toContain('data-testid="example-notes"');
    expect(html).toContain('Later turns left out: 2 turns after the target (tool, assistant) left out');
    expect(html).not.toContain('>later_turns_left_out');
  });

  it('says why the quality check flagged it in the quality report’s words, the rule’s name in the tooltip', () => {
    const html = detail({ passed: false, failures: [{ rule: 'call_names_known_tool', detail: 'call to "book_hotel", which is not among the tools' }] });
    expect(html).toContain('<li title="call_names_known_tool">Fails “calls name a provided tool”: call to &quot;book_hotel&quot;, which is not among the tools</li>');
  });
});

describe('the quality report', () => {
  it('counts the examples imported with a note', () => {
    const quality = { tools_valid_schema: 0, call_names_known_tool: 0, required_args_present: 0, arg_types_match: 0, no_unknown_args: 0, reasoning_as_promised: 0, target_json_parses: 0, passed: 10, total: 10, noted: 3 };
    const counts: DatasetSummary = { quality, examples: 10, train: 9, heldOut: 1, included: 10, trainIncluded: 9 };
    const dataset: DatasetRow = { id: 'd1', name: 'd', createdAt: 1, files: [], exampleCount: 10, fingerprint: 'sha256:ab', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0 };
    const html = renderNow(createElement(QualityReportView, { counts, dataset, onShowFailing: () => {}, activeRule: null }));
    expect(html).toMatch(/data-testid="quality-noted">3 imported with a note/);
    expect(renderNow(createElement(QualityReportView, { counts: { ...counts, quality: { ...quality, noted: 0 } }, dataset, onShowFailing: () => {}, activeRule: null }))).not.toContain('quality-noted');
  });

  it('says when held-out examples ask what training examples ask, pointing to the filter that lists them, and offers to leave them out of evaluation', () => {
    const quality = { tools_valid_schema: 0, call_names_known_tool: 0, required_args_present: 0, arg_types_match: 0, no_unknown_args: 0, reasoning_as_promised: 0, target_json_parses: 0, passed: 10, total: 10, noted: 0 };
    const counts: DatasetSummary = { quality, examples: 10, train: 8, heldOut: 2, included: 10, trainIncluded: 8 };
    const dataset: DatasetRow = { id: 'd1', name: 'd', createdAt: 1, files: [], exampleCount: 10, fingerprint: 'sha256:ab', split: { seed: 1, evalFraction: 0.1 }, issues: [], issueCount: 0 };
    const report = (c: DatasetSummary) => renderNow(createElement(QualityReportView, { counts: c, dataset, onShowFailing: () => {}, activeRule: null }));
    expect(report({ ...counts, repeated: { heldOut: 2, used: 2 } })).toMatch(/data-testid="quality-repeated">2 held-out examples ask what a training example asks \(the same conversation and tools\)/);
    // Beside it, the remedy: leaving them out of evaluation at once (none to leave out: no button).
    expect(report({ ...counts, repeated: { heldOut: 2, used: 2 } })).toMatch(/<button[^>]*data-testid="leave-out-repeated"[^>]*>Leave the 2 out of evaluation<\/button>/);
    expect(report({ ...counts, repeated: { heldOut: 1, used: 1 } })).toMatch(/data-testid="leave-out-repeated"[^>]*>Leave it out of evaluation</);
    expect(report({ ...counts, repeated: { heldOut: 2, used: 0 } })).not.toContain('leave-out-repeated');
    expect(report(counts)).not.toContain('quality-repeated');
  });
});
