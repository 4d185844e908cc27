// `studio ast-check`: scores a predictions file against a BFCL question file and its
// possible_answer file with the AST checker, printing one JSON line per question and then the
// accuracy. Owns only file reading, category resolution and output; the semantics live in
// src/eval/. Never starts a GPU or a model.
import { readFileSync } from 'node:fs';
import { parseFlags, requireFlag } from '../args.ts';
import { CliError, type CliCommand } from '../command.ts';
import { checkInputFile, fileErrorWords } from '../flagPaths.ts';
import { categoryKind, errorsText } from '../../eval/ast-checker.ts';
import { categoryFromFileName, categoryFromId, parseBfclAnswers, parseBfclQuestions, parsePredictions } from '../../eval/bfcl-files.ts';
import { checkGeneratedOutput } from '../../eval/check-generation.ts';

const usage = `usage: studio ast-check --questions <BFCL question file> --answers <possible_answer file>
                        --predictions <jsonl> [--category simple|multiple|parallel|parallel_multiple|irrelevance]
                        [--underscore-dots]

  Each prediction line is {"id": ..., "result": <generated text> | [{"func": {"arg": value}}, ...]},
  or a line of studio eval --out (its "output" is the generated text).
  Generated text may hold <think>…</think>, <tool_call> blocks, JSON calls or [f(a=1), g()].
  The category defaults to the one the question file name implies (BFCL_v3_parallel.json), else the
  id prefix (parallel_3). --answers may be omitted when every question is irrelevance.
  --underscore-dots compares function names with "." replaced by "_" (BFCL does this for models
  whose API forbids dots in tool names).
  Prints one JSON line per question id {"id", "valid", "error_type"?, "where"?, "error"?}, then
  {"accuracy", "correct_count", "total_count"} (with per-category counts when several are mixed).`;

function readText(path: string, flag: string, what: string): string {
  checkInputFile(path, flag, what);
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read --${flag} ${path}: ${fileErrorWords(err)}`);
  }
}

/** Runs a file parser, turning its line-numbered Error into a one-line CliError. */
function parseOrFail<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    throw new CliError((err as Error).message);
  }
}

function validCategory(category: string, source: string): string {
  try {
    categoryKind(category);
  } catch (err) {
    throw new CliError(`${source}: ${(err as Error).message}`, 2);
  }
  return category;
}

const astCheckCommand: CliCommand = {
  summary: 'score predictions against BFCL questions with the AST checker',
  usage,
  async run(argv) {
    const flags = parseFlags(argv, { questions: 'string', answers: 'string', predictions: 'string', category: 'string', 'underscore-dots': 'boolean' });
    if (flags._.length > 0) throw new CliError(`unexpected argument "${flags._[0]}"\n${usage}`, 2);
    const questionsPath = requireFlag(flags.questions, 'questions');
    const predictionsPath = requireFlag(flags.predictions, 'predictions');
    const forced = flags.category === undefined ? undefined : validCategory(flags.category, '--category');
    const fromFile = categoryFromFileName(questionsPath);

    const questionsText = readText(questionsPath, 'questions', 'a BFCL question file');
    const answersText = flags.answers === undefined ? undefined : readText(flags.answers, 'answers', 'a BFCL possible_answer file');
    const predictionsText = readText(predictionsPath, 'predictions', 'a predictions file (JSONL)');
    const questions = parseOrFail(() => parseBfclQuestions(questionsText, questionsPath));
    if (questions.length === 0) throw new CliError(`${questionsPath} holds no questions; there is nothing to check`);
    const answers = answersText === undefined ? new Map() : parseOrFail(() => parseBfclAnswers(answersText, flags.answers!));
    const predictions = parseOrFail(() => parsePredictions(predictionsText, predictionsPath));

    const questionIds = new Set(questions.map((q) => q.id));
    const stray = predictions.find((p) => !questionIds.has(p.id));
    if (stray) throw new CliError(`${predictionsPath}:${stray.line}: id "${stray.id}" is not in the question file ${questionsPath}`);
    const predictionById = new Map(predictions.map((p) => [p.id, p]));

    // Every question's category and ground truth before the first line is printed: a refusal
    // halfway left a stream of results without its summary.
    const checks = questions.map((question) => {
      const category = forced ?? fromFile ?? categoryFromId(question.id);
      if (!category) throw new CliError(`${questionsPath}:${question.line}: cannot tell the category of "${question.id}"; pass --category`, 2);
      const kind = categoryKind(validCategory(category, `${questionsPath}:${question.line} (${question.id})`));
      const possibleAnswer = answers.get(question.id);
      if (!possibleAnswer && kind !== 'irrelevance' && kind !== 'relevance') {
        if (flags.answers === undefined) throw new CliError(`"${question.id}" (category ${category}) needs its ground truth: give the possible_answer file with --answers (only irrelevance questions need none)`, 2);
        throw new CliError(`${flags.answers}: no ground truth for "${question.id}" (category ${category})`);
      }
      return { question, category, possibleAnswer };
    });

    const perCategory = new Map<string, { correct: number; total: number }>();
    let correct = 0;
    for (const { question, category, possibleAnswer } of checks) {
      const prediction = predictionById.get(question.id);
      const line = prediction
        ? lineFor(question.id, checkGeneratedOutput({ functions: question.functions, possibleAnswer: possibleAnswer ?? [], category, output: prediction.result, underscoreDots: flags['underscore-dots'] }))
        : { id: question.id, valid: false, error_type: 'missing_prediction', where: predictionsPath, error: 'No prediction for this id.' };
      console.log(JSON.stringify(line));
      const tally = perCategory.get(category) ?? { correct: 0, total: 0 };
      tally.total++;
      if (line.valid) {
        tally.correct++;
        correct++;
      }
      perCategory.set(category, tally);
    }

    const summary: Record<string, unknown> = {
      accuracy: questions.length === 0 ? 0 : correct / questions.length,
      correct_count: correct,
      total_count: questions.length,
    };
    if (perCategory.size > 1) {
      summary.categories = Object.fromEntries(
        [...perCategory].map(([name, t]) => [name, { accuracy: t.correct / t.total, correct_count: t.correct, total_count: t.total }]),
      );
    }
    console.log(JSON.stringify(summary));
  },
};

function lineFor(id: string, result: { valid: boolean; errors: Array<{ rule: string; where: string; message: string }> }) {
  if (result.valid) return { id, valid: true };
  const [first] = result.errors;
  return { id, valid: false, error_type: first.rule, where: first.where, error: errorsText(result.errors) };
}

export default astCheckCommand;
