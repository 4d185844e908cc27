// How the dashboard draws its curves (W&B-style smoothing, log scale for the losses), kept across
// reloads like the theme. Only preferences: the charts read them, the data never changes.
import { create } from 'zustand';
import { readPref, writePref } from './localPrefs.ts';

interface ChartPrefs {
  smoothing: number;
  logScale: boolean;
  setSmoothing(v: number): void;
  setLogScale(on: boolean): void;
}

const SMOOTHING_KEY = 'studio.chartSmoothing';
const LOG_KEY = 'studio.chartLogScale';

export const useChartPrefs = create<ChartPrefs>((set) => ({
  smoothing: Math.min(0.99, Math.max(0, Number(readPref(SMOOTHING_KEY) ?? 0) || 0)),
  logScale: readPref(LOG_KEY) === 'true',
  setSmoothing(smoothing) {
    writePref(SMOOTHING_KEY, String(smoothing));
    set({ smoothing });
  },
  setLogScale(logScale) {
    writePref(LOG_KEY, String(logScale));
    set({ logScale });
  },
}));
