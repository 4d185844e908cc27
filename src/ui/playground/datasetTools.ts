// What the playground takes from the dataset: every distinct tool it offers, and its held-out
// questions with their tools and the answer the dataset expects. The worker computes both over the
// stored rows (src/worker/datasetBrowse.ts, the `datasetPlayground` request); the helpers are shared
// through the protocol module.
export { datasetTools, heldOutSamples, type PlaygroundSample, type PlaygroundSampleSummary } from '../../worker/protocol.ts';
