// A run's name as the stem of the files the page saves for it (exports, answers).
/** A run's name as the stem of a file name: letters, digits, dots, dashes and underscores only. */
export const fileStem = (runName: string) => runName.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
