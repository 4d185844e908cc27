// The studio's shell: header with the theme switch, then the panels.
import { useEffect, useState } from 'react';
import { CapabilityReport } from './capability/CapabilityReport.tsx';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function App() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('theme', theme);
  }, [theme]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>BalanceSFT Studio</h1>
        <p className="tagline">Fine-tune function-calling models with LoRA on your own GPU. Nothing leaves this browser.</p>
        <button
          className="theme-toggle"
          aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
        >
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      <main>
        <CapabilityReport />
      </main>
    </div>
  );
}
