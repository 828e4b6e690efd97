/** Where progress goes: a stream with an optional TTY flag (process.stderr). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * A progress report for `total` units of work: on a TTY, one bar redrawn in place (done,
 * elapsed, estimated time left); elsewhere one line per finished unit, so logs stay readable.
 */
export class Progress {
  private done = 0;
  private readonly t0 = performance.now();

  constructor(
    private readonly total: number,
    private readonly stream: ProgressStream,
    private readonly label = "bench",
  ) {
    if (stream.isTTY) this.draw("");
  }

  /** One unit finished; `what` names it. */
  tick(what: string): void {
    this.done++;
    if (this.stream.isTTY) this.draw(what);
    else this.stream.write(`${this.label}: ${this.done}/${this.total} ${what}\n`);
  }

  /** Ends the bar's line (TTY only). */
  finish(): void {
    if (this.stream.isTTY) this.stream.write("\n");
  }

  private draw(what: string): void {
    const elapsed = (performance.now() - this.t0) / 1000;
    const eta = this.done ? (elapsed / this.done) * (this.total - this.done) : Number.NaN;
    const width = 24;
    const filled = this.total ? Math.round((this.done / this.total) * width) : width;
    const bar = `${"#".repeat(filled)}${"-".repeat(width - filled)}`;
    const pct = this.total ? Math.floor((this.done / this.total) * 100) : 100;
    let line = `${this.label} [${bar}] ${this.done}/${this.total} ${pct}% ${duration(elapsed)} elapsed, ${duration(eta)} left  ${what}`;
    const cols = this.stream.columns ?? 100;
    if (line.length > cols - 1) line = line.slice(0, cols - 1);
    this.stream.write(`\r\x1b[2K${line}`);
  }
}
