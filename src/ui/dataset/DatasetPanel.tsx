// The Dataset panel: import (drop anywhere, or the picker; detected format with an override),
// the stored datasets, and for the selected one: its quality report, a searchable table of
// examples with the conversation, reasoning, calls and coloured token segments, and its lengths.
import { useDatasets } from '../../state/datasetStore.ts';
import { ruleOnShow, useDatasetSummary, useExampleBrowse } from '../../state/exampleRows.ts';
import { Alert } from '../shell/Alert.tsx';
import { DatasetImport } from './DatasetImport.tsx';
import { DatasetList } from './DatasetList.tsx';
import { QualityReportView } from './QualityReportView.tsx';
import { ExampleBrowser } from './ExampleBrowser.tsx';
import { LengthHistogram } from './LengthHistogram.tsx';

export function DatasetPanel() {
  const error = useDatasets((s) => s.error);
  const dismissError = useDatasets((s) => s.dismissError);
  const notice = useDatasets((s) => s.notice);
  const dataset = useDatasets((s) => s.datasets.find((d) => d.id === s.selectedId));
  // Counted by the worker (the page never reads a whole dataset's rows); the table pages through it.
  const summary = useDatasetSummary(dataset);
  const ruleFilter = useExampleBrowse((s) => (dataset ? ruleOnShow(s, dataset.id) : null));
  const showFailing = useExampleBrowse((s) => s.showFailing);
  return (
    <section className="panel" aria-labelledby="data-title" data-testid="dataset-panel">
      <h2 id="data-title" tabIndex={-1}>Dataset</h2>
      {error && <Alert message={error} onDismiss={dismissError} testId="dataset-error" />}
      {notice && <Alert kind="notice" message={notice} onDismiss={() => useDatasets.setState({ notice: null })} testId="dataset-notice" />}
      <div className="grid2">
        <DatasetImport />
        <DatasetList />
      </div>
      {dataset && (
        <>
          {summary.error && <Alert message={summary.error} />}
          {!summary.value ? (
            !summary.error && (
              <p className="muted" role="status">
                Reading {dataset.exampleCount.toLocaleString()} examples…
                {/* Shown, not announced: a status that changes every thousand rows would talk over everything. */}
                {summary.progress && <span aria-hidden="true"> {summary.progress.done.toLocaleString()} read</span>}
              </p>
            )
          ) : (
            <>
              <div className="grid2">
                <QualityReportView counts={summary.value} dataset={dataset} onShowFailing={(rule) => showFailing(dataset.id, rule)} activeRule={ruleFilter} />
                <LengthHistogram key={`${dataset.id}:${dataset.exampleCount}`} datasetId={dataset.id} examples={dataset.exampleCount} />
              </div>
              <ExampleBrowser key={dataset.id} dataset={dataset} ruleFilter={ruleFilter} onClearRule={() => showFailing(dataset.id, null)} />
            </>
          )}
        </>
      )}
    </section>
  );
}
