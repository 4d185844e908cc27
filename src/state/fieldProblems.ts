// What is wrong with the number fields as typed, by field id ("cfg-steps": "a whole number, at least
// 1"), so a panel can hold its button until its fields hold what they show. A field that keeps its
// last good value while showing another would start a run with settings the user never saw.
import { create } from 'zustand';

interface FieldProblems {
  problems: Record<string, { label: string; problem: string }>;
  setProblem(id: string, label: string, problem: string | null): void;
}

export const useFieldProblems = create<FieldProblems>((set) => ({
  problems: {},
  setProblem(id, label, problem) {
    set((s) => {
      if (problem === null) {
        if (!(id in s.problems)) return s;
        const { [id]: _gone, ...rest } = s.problems;
        return { problems: rest };
      }
      if (s.problems[id]?.problem === problem) return s;
      return { problems: { ...s.problems, [id]: { label, problem } } };
    });
  },
}));

/** The first problem among the fields whose ids start with one of `prefixes`, as "Label: problem". */
export function useFirstFieldProblem(prefixes: string[]): string | null {
  return useFieldProblems((s) => {
    const hit = Object.entries(s.problems).find(([id]) => prefixes.some((p) => id.startsWith(p)));
    return hit ? `${hit[1].label}: ${hit[1].problem}` : null;
  });
}

export interface NumberRule {
  min?: number;
  max?: number;
  /** Exclusive lower bound (a learning rate above 0). */
  above?: number;
  integer?: boolean;
}

/** What is wrong with a typed number, in words (null when it is fine). */
export function numberProblem(text: string, rule: NumberRule): string | null {
  if (text.trim() === '') return 'enter a number';
  const v = Number(text);
  if (!Number.isFinite(v)) return 'not a number';
  const whole = rule.integer ? 'a whole number' : 'a number';
  const range = [rule.above !== undefined ? `above ${rule.above}` : rule.min !== undefined ? `at least ${rule.min}` : '', rule.max !== undefined ? `at most ${rule.max}` : ''].filter(Boolean).join(' and ');
  const want = range ? `${whole}, ${range}` : whole;
  if (rule.integer && !Number.isInteger(v)) return want;
  if (rule.above !== undefined && !(v > rule.above)) return want;
  if (rule.min !== undefined && v < rule.min) return want;
  if (rule.max !== undefined && v > rule.max) return want;
  return null;
}

/** The text a number field shows once its value is `value`: what was typed while it still reads as
 * that value ('0.' on the way to '0.5', '1e-4', '0.50'), else the value (set by a button, a reload). */
export function fieldText(typed: string, value: number): string {
  return typed.trim() !== '' && Number(typed) === value ? typed : String(value);
}
