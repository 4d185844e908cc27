// The error a parser throws for one bad record, and the issue report the importer keeps for it.
// Owns only these shapes; never decides whether to skip or stop (the importer always skips and goes on).

/** Thrown by a format parser when a record cannot become an Example; the message is the reason. */
export class RecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecordError';
  }
}

/** A record that was not imported: where it was and why. */
export interface ImportIssue {
  file: string;
  /** 1-based line of the record's start (JSONL: its line; JSON: the line its element starts on). */
  line?: number;
  /** 0-based record index within the file. */
  index?: number;
  /** The record's own id, when it has one that could be read. */
  id?: string;
  reason: string;
}

export function formatIssue(issue: ImportIssue): string {
  const where = [
    issue.file,
    issue.line !== undefined ? `line ${issue.line}` : '',
    // Counted from 1, as people count records (and as lines are).
    issue.index !== undefined ? `record ${issue.index + 1}` : '',
    issue.id !== undefined ? `id ${JSON.stringify(issue.id.length > 80 ? `${issue.id.slice(0, 80)}…` : issue.id)}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${where}: ${issue.reason}`;
}
