/** A one-line progress display on standard error, shown only when it is a terminal. */
export class Progress {
  private readonly enabled = process.stderr.isTTY === true;
  private readonly started = Date.now();
  private lastDraw = 0;

  constructor(private readonly label: string) {}

  update(done: number, total?: number): void {
    const now = Date.now();
    if (!this.enabled || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const rate = Math.round(done / Math.max((now - this.started) / 1000, 0.001));
    let bar = '';
    if (total) {
      const filled = Math.round((30 * Math.min(done, total)) / total);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(30 - filled)}] `;
    }
    process.stderr.write(`\r${this.label} ${bar}${done}${total ? `/${total}` : ''} (${rate}/s)`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\n');
  }
}
