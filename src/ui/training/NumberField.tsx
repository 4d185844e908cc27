// A labelled number input that reports only valid numbers (an empty or partial entry keeps the
// last value until it parses), so the draft config never holds NaN.
import { useEffect, useState } from 'react';

export function NumberField({ id, label, value, onChange, min, max, step }: { id: string; label: string; value: number; onChange: (v: number) => void; min?: number; max?: number; step?: number | "any" }) {
  const [text, setText] = useState(String(value));
  useEffect(() => setText(String(value)), [value]);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="number"
        inputMode="decimal"
        value={text}
        min={min}
        max={max}
        step={step}
        onChange={(e) => {
          setText(e.target.value);
          const v = Number(e.target.value);
          if (e.target.value.trim() !== '' && Number.isFinite(v) && (min === undefined || v >= min) && (max === undefined || v <= max)) onChange(v);
        }}
      />
    </div>
  );
}
