// A labelled number input. It reports only valid numbers (so the draft never holds NaN or a value
// out of range), and when the text is not one it says what is wrong beside the field and registers
// the problem (src/state/fieldProblems.ts) so the panel holds its button: the value shown is
// always the value used.
import { useEffect, useState } from 'react';
import { fieldText, numberProblem, useFieldProblems } from '../../state/fieldProblems.ts';

export function NumberField({
  id,
  label,
  value,
  onChange,
  min,
  max,
  above,
  integer,
  step,
  disabled,
}: {
  id: string;
  label: string;
  value: number;
  onChange: (v: number) => void;
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  above?: number;
  integer?: boolean;
  step?: number | 'any';
  /** Held (another choice sets its value): shown, not edited. */
  disabled?: boolean;
}) {
  const [text, setText] = useState(String(value));
  // Typing '0.' on the way to '0.5' reports 0: the text keeps the point (a new value from
  // elsewhere, like the truncation note's button, replaces it).
  useEffect(() => setText((typed) => fieldText(typed, value)), [value]);
  const problem = numberProblem(text, { min, max, above, integer });
  const setProblem = useFieldProblems((s) => s.setProblem);
  useEffect(() => {
    setProblem(id, label, problem);
    return () => setProblem(id, label, null);
  }, [id, label, problem, setProblem]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        value={text}
        min={above ?? min}
        max={max}
        step={step}
        disabled={disabled}
        aria-invalid={problem !== null}
        aria-describedby={problem ? `${id}-problem` : undefined}
        onChange={(e) => {
          setText(e.target.value);
          if (numberProblem(e.target.value, { min, max, above, integer }) === null) onChange(Number(e.target.value));
        }}
      />
      {problem && (
        <span id={`${id}-problem`} className="field-problem" data-testid="field-problem">
          {problem}
        </span>
      )}
    </div>
  );
}
