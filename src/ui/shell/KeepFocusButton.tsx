// A button that stays focusable while it cannot be used: aria-disabled instead of disabled, and its
// click ignored while off. A disabled button drops the keyboard focus to the page body (the user
// has to find their place again), and a reason it could point to would be unreachable.
import type { ButtonHTMLAttributes, MouseEvent } from 'react';

type Props = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'disabled'> & {
  disabled?: boolean;
  /** The id of the visible text saying why it is off; read with the button while it is. */
  reasonId?: string | null;
};

export function KeepFocusButton({ disabled = false, reasonId, onClick, ...rest }: Props) {
  const click = (e: MouseEvent<HTMLButtonElement>) => {
    // preventDefault: an off submit button must not submit its form (nor does Enter in a field,
    // whose implicit submission is a click on this button).
    if (disabled) return e.preventDefault();
    onClick?.(e);
  };
  const describedBy = [rest['aria-describedby'], disabled ? reasonId : null].filter(Boolean).join(' ') || undefined;
  return <button {...rest} aria-disabled={disabled || undefined} aria-describedby={describedBy} onClick={click} />;
}
