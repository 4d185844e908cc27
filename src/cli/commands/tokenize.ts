// `studio tokenize`: dataset file(s) → JSONL of token ids with a segment per token (0 prompt,
// 1 cot, 2 call), rendered with the model folder's own chat template. The same code path the app
// uses (import → quality check → render → segments), so its output is what training sees: examples
// that fail the quality check are left out unless --include-failing, as `studio train` leaves them,
// and a line that carries the studio's choice (a snapshot's "included") is written as it says, then
// --include-flagged / --leave-out as train takes them (data/inclusion.ts).
// Streams: each chunk of records is imported, checked, tokenized and written before the next is
// read, so memory stays flat with the file's size (a 300 MB file runs in a few hundred MB).
// Every skipped record or example is named by file, line, record index and id.
// Never downloads anything: the model folder must hold tokenizer.json and tokenizer_config.json.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseFlags, positiveInt, requireFlag } from '../args.ts';
import { CHOOSE_FORMAT, checkOutputFile, datasetFiles, DATA_FLAG_HELP, formatFlag, FORMAT_HELP } from '../localFiles.ts';
import { CliError, type CliCommand } from '../command.ts';
import { checkModelFolder } from '../modelSource.ts';
import { streamDatasetFiles, type ImportedFile } from '../../data/import-dataset.ts';
import { lengthAccumulator } from '../../data/length-stats.ts';
import { qualityTally } from '../../data/quality-check.ts';
import { formatIssue, type ImportIssue } from '../../data/record-error.ts';
import { RECORD_LIMITS } from '../../data/record-limits.ts';
import { countSegments, ExampleTooLongError } from '../../data/tokenize-example.ts';
import { openTokenizeThreads, trainOutcomes, type TokenizeThreadPool } from '../../data/tokenize-pool.ts';
import { tokenizerFromModel } from '../../train/prepareData.ts';
import { nodeDirectoryModelFiles } from '../../model/model-files-node.ts';
import { MissingModelFileError } from '../../model/model-files.ts';
import { plural } from '../../data/plural.ts';
import { choiceRule, chosenInclusion, unknownLeaveOutText } from '../../data/inclusion.ts';
import { INCLUSION_FLAGS, INCLUSION_HELP, inclusionFromFlags } from '../runFlags.ts';

const usage = `usage: studio tokenize --model <dir> --data <file>[,<file>…] --out <file.jsonl> [options]
${DATA_FLAG_HELP}

Renders each example with the model's chat template and writes one JSON line per example:
  {"id": "...", "input_ids": [...], "segments": [...]}   segments: 0 prompt, 1 cot, 2 call

options:
  --model <dir>           folder with tokenizer.json and tokenizer_config.json (Hugging Face layout)
  --data <files>          dataset files (comma-separated or repeated)
  --out <file>            output JSONL (one that is there already only with --force)
  --force                 replace --out
${FORMAT_HELP}
  --max-len <n>           token limit: earlier turns are left out, whole; an example that still does not fit
                          is skipped (its system prompt, tools and final turn are never cut)
  --include-failing       write examples that fail the quality check too (training leaves them out
                          unless its own --include-failing is given)
  --only-passing          skip examples that fail the quality check (the default; kept for old scripts)
  --bfcl-prompt           BFCL question files in BFCL's prompt mode (system prompt, Python-call answers)
  --every-call-turn       every turn of a conversation that calls a tool an example of its own (default: only
                          its last; the earlier ones are prompt)
${INCLUSION_HELP}
  --max-record-kib <n>    per-record size limit in KiB (default ${RECORD_LIMITS.maxRecordBytes >> 10}); bigger records are skipped`;

/** Notes printed per kind before the rest are only counted. */
const NOTES_SHOWN = 20;

const tokenize: CliCommand = {
  summary: 'render and tokenize a dataset with a model\'s chat template (ids + segments JSONL)',
  usage,
  async run(argv) {
    const flags = parseFlags(argv, { model: 'string', data: 'strings', out: 'string', format: 'string', 'max-len': 'number', 'only-passing': 'boolean', 'include-failing': 'boolean', 'max-record-kib': 'number', 'bfcl-prompt': 'boolean', 'every-call-turn': 'boolean', force: 'boolean', ...INCLUSION_FLAGS });
    const modelDir = requireFlag(flags.model, 'model');
    checkModelFolder(modelDir);
    const dataFiles = requireFlag(flags.data, 'data');
    const outPath = requireFlag(flags.out, 'out');
    const maxLen = flags['max-len'] === undefined ? undefined : positiveInt(flags['max-len'], 'max-len', 1);
    const format = formatFlag(flags.format);
    if (flags['only-passing'] && flags['include-failing']) throw new CliError('--only-passing and --include-failing contradict each other; give one', 2);
    if (flags['only-passing'] && flags['include-flagged']) throw new CliError('--only-passing skips every example the quality check flags; --include-flagged writes those flagged only by the rules it names: give one of them', 2);
    const maxRecordKib = flags['max-record-kib'] === undefined ? undefined : positiveInt(flags['max-record-kib'], 'max-record-kib', 1);
    // The choice train would be given: the same examples written as trained.
    const inclusion = inclusionFromFlags(flags);
    const chosen = inclusion && choiceRule(inclusion);

    let tokenizer;
    try {
      // Read as training reads it: the chat template beside the config (chat_template.jinja), a
      // byte-order mark dropped (its own reader refused files saved with one as "not valid JSON").
      tokenizer = await tokenizerFromModel(nodeDirectoryModelFiles(modelDir));
    } catch (err) {
      if (err instanceof MissingModelFileError) throw new CliError(`${err.message} (the --model folder must hold tokenizer.json and tokenizer_config.json)`);
      throw new CliError(`cannot load the tokenizer from ${modelDir}: ${(err as Error).message}`);
    }

    checkOutputFile(outPath, 'out', dataFiles.map((path) => ({ path, flag: '--data' })), { force: flags.force ?? false });
    // Each named by its path, as given.
    const files = await datasetFiles(dataFiles, { namedAsGiven: true });
    // Written beside the output and renamed over it at the end: a run that fails leaves an
    // earlier output as it was.
    const partPath = `${outPath}.partial`;
    const out = createWriteStream(partPath);
    const stream: { error?: Error } = {};
    out.on('error', (err) => (stream.error = err));
    try {
      await once(out, 'open');
    } catch (err) {
      throw new CliError(`cannot write ${partPath}: ${(err as Error).message}`);
    }
    /** Anything that ends the run before the rename takes the partial file with it. */
    const discard = (err: unknown): never => {
      out.destroy();
      rmSync(partPath, { force: true });
      throw stream.error ? new CliError(`writing ${outPath} failed: ${stream.error.message}`) : err;
    };
    const quality = qualityTally();
    const lengths = lengthAccumulator();
    let skippedRecords = 0;
    let written = 0;
    let tooLong = 0;
    let failedRender = 0;
    let failedQuality = 0;
    let leftOut = 0;
    let leftOutAsked = 0;
    let imported = 0;
    const askedSeen = new Set<string>();
    let fileReports: ImportedFile[] = [];
    const note = (count: number, text: string) => {
      if (count <= NOTES_SHOWN) console.error(`  ${text}`);
    };
    const options = { format, chooseFormat: CHOOSE_FORMAT, maxRecordBytes: maxRecordKib === undefined ? undefined : maxRecordKib * 1024, bfclPromptMode: flags['bfcl-prompt'], everyCallTurn: flags['every-call-turn'] };
    /** Threads once the file has shown itself large (data/tokenize-pool.ts), as training tokenizes. */
    let pool: TokenizeThreadPool | null = null;
    try {
      for await (const batch of streamDatasetFiles(files, options)) {
        fileReports = batch.files;
        for (const issue of batch.issues) note(++skippedRecords, `skipped ${formatIssue(issue)}`);
        const chosenExamples: Array<(typeof batch.examples)[number]> = [];
        for (const entry of batch.examples) {
          const { example, quality: report, included, file, line, index } = entry;
          quality.add(report);
          imported++;
          const choice = chosen && chosenInclusion(chosen, example.id, report);
          if (choice === 0) {
            askedSeen.add(example.id);
            note(++leftOutAsked, `left out, as asked: ${formatIssue({ file, line, index, id: example.id, reason: '--leave-out' })}`);
            continue;
          }
          // The studio's choice on its line, as studio train reads it (jobs/data.ts fileExamples): false
          // on a passing example is the user's; on a flagged one, the check's, as --include-failing takes it.
          if (choice !== 1 && included === false && report.passed) {
            note(++leftOut, `left out: ${formatIssue({ file, line, index, id: example.id, reason: 'its line says "included": false (the studio\'s choice)' })}`);
            continue;
          }
          if (choice !== 1 && !report.passed && !included && !flags['include-failing']) {
            failedQuality++;
            continue;
          }
          chosenExamples.push(entry);
        }
        pool ??= openTokenizeThreads(tokenizer, imported);
        const outcomes = await trainOutcomes(tokenizer, chosenExamples.map((c) => c.example), maxLen, pool);
        for (const [k, { example, file, line, index }] of chosenExamples.entries()) {
          const t = outcomes[k];
          if (!('ids' in t)) {
            const said = 'tooLong' in t ? new ExampleTooLongError(example.id, t.tooLong.tokens, t.tooLong.maxLen).message : t.error;
            // The place names the id: the reason's own "example "…": " said it twice.
            const named = `example ${JSON.stringify(example.id)}: `;
            const where: ImportIssue = { file, line, index, id: example.id, reason: said.startsWith(named) ? said.slice(named.length) : said };
            if ('tooLong' in t) note(++tooLong, `too long: ${formatIssue(where)}`);
            else note(++failedRender, `cannot render: ${formatIssue(where)}`);
            continue;
          }
          lengths.add({ total: t.ids.length, ...countSegments(t.segments) });
          if (!out.write(JSON.stringify({ id: example.id, input_ids: Array.from(t.ids), segments: Array.from(t.segments) }) + '\n')) await once(out, 'drain');
          written++;
        }
      }
      out.end();
      await once(out, 'finish');
    } catch (err) {
      discard(err);
    } finally {
      pool?.close();
    }
    const unknownIds = [...(chosen?.leaveOut ?? [])].filter((id) => !askedSeen.has(id));
    // A typo would write the example the user meant to drop, as train would train on it.
    if (unknownIds.length) discard(new CliError(`--leave-out: ${unknownLeaveOutText(unknownIds, imported)} from ${dataFiles.join(', ')}; ${outPath} is unchanged`, 2));
    for (const f of fileReports) console.error(`${f.name}: ${f.format ?? 'unknown format'}${f.detected ? ' (detected)' : ''}, ${f.imported} imported${f.earlierCallTurns ? ` (${f.earlierCallTurns} of them earlier calling turns)` : ''}, ${f.rejected} rejected${f.earlierCallsInPrompt ? `; ${f.earlierCallsInPrompt} of them call tools in earlier turns too, left as prompt (--every-call-turn learns them)` : ''}`);
    for (const [count, what] of [[skippedRecords, 'skipped records'], [tooLong, 'too-long examples'], [failedRender, 'examples that could not be rendered'], [leftOut, 'examples left out by their lines'], [leftOutAsked, 'examples left out by --leave-out']] as const) {
      if (count > NOTES_SHOWN) console.error(`  … and ${count - NOTES_SHOWN} more ${what}`);
    }
    if (written + tooLong + failedRender + failedQuality + leftOut + leftOutAsked === 0) discard(new CliError('no examples could be imported from the data files'));
    if (written === 0) {
      discard(new CliError(`no example was written (${[tooLong && `${tooLong} longer than --max-len ${maxLen}`, failedRender && `${failedRender} could not be rendered`, failedQuality && `${failedQuality} failed the quality check (--include-failing writes them)`, leftOut && `${leftOut} left out by their lines ("included": false)`, leftOutAsked && `${leftOutAsked} left out by --leave-out`].filter(Boolean).join(', ')}); ${outPath} is unchanged`));
    }
    renameSync(partPath, outPath);

    const q = quality.summary();
    const failing = Object.entries(q).filter(([k, v]) => k !== 'passed' && k !== 'total' && v > 0);
    console.error(`quality: ${q.passed}/${q.total} pass${failing.length ? '; ' + failing.map(([k, v]) => `${k}: ${v}`).join(', ') : ''}`);
    const s = lengths.stats();
    console.log(
      `wrote ${plural(written, 'example')} to ${outPath}` +
        (tooLong ? `, ${tooLong} too long` : '') +
        (failedRender ? `, ${failedRender} could not be rendered` : '') +
        (failedQuality ? `, ${failedQuality} failing quality skipped` : '') +
        (leftOut ? `, ${leftOut} left out by their lines ("included": false)` : '') +
        (leftOutAsked ? `, ${leftOutAsked} left out by --leave-out` : '') +
        `; tokens/example mean ${s.totalTokens.mean.toFixed(1)}, max ${s.totalTokens.max}; cot ${s.cotTokens}, call ${s.callTokens} (call share ${(100 * s.callShare).toFixed(1)}%)`,
    );
    return 0;
  },
};
export default tokenize;
