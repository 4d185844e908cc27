// Presses a button of a server-rendered component: the render drops event handlers, so the JSX
// runtime is wrapped (vi.mock of 'react/jsx-dev-runtime' with `recordingJsxRuntime`) to keep the
// props of every element created, and `press` calls the onClick of the newest button with that text.
type Props = Record<string, unknown> & { children?: unknown };
const created: Array<{ type: unknown; props: Props }> = [];

export async function recordingJsxRuntime(original: () => Promise<unknown>): Promise<unknown> {
  const runtime = (await original()) as { jsxDEV: (type: unknown, props: Props, ...rest: unknown[]) => unknown };
  return {
    ...runtime,
    jsxDEV: (type: unknown, props: Props, ...rest: unknown[]) => {
      created.push({ type, props });
      return runtime.jsxDEV(type, props, ...rest);
    },
  };
}

const textOf = (children: unknown): string => (Array.isArray(children) ? children.map(textOf).join('') : typeof children === 'string' || typeof children === 'number' ? String(children) : '');

/** Calls the onClick of the newest rendered `<button>` whose own text is `text`. */
export function press(text: string): void {
  const button = created.findLast((e) => e.type === 'button' && textOf(e.props.children).trim() === text);
  if (!button) throw new Error(`no button "${text}" was rendered`);
  // No DOM: the button is in no panel (a dismiss that moves the focus to its panel's heading finds none).
  (button.props.onClick as (e: unknown) => void)({ preventDefault: () => undefined, currentTarget: { closest: () => null } });
}
