// A single progress line on a terminal (rewritten in place); plain lines, rate-limited, when
// stderr is not a TTY, so CI logs stay readable.
export class ProgressLine {
  private last = 0;
  private shown = false;
  constructor(private readonly quiet = false) {}

  update(text: string, force = false): void {
    if (this.quiet) return;
    const now = Date.now();
    if (process.stderr.isTTY) {
      process.stderr.write(`\r\x1b[2K${text}`);
      this.shown = true;
    } else if (force || now - this.last > 5000) {
      process.stderr.write(text + '\n');
      this.last = now;
    }
  }

  done(): void {
    if (this.shown && process.stderr.isTTY) process.stderr.write('\n');
    this.shown = false;
  }
}
