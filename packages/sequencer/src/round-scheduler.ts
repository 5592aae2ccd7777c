/**
 * When a Publisher runs its rounds: on a trigger (a commit), promptly but at a bounded rate,
 * and otherwise on an idle tick.
 *
 * Contract:
 * - at most one round in flight;
 * - two rounds start at least `minIntervalMs` apart (start to start): with a witness per
 *   log, that bounds its add-checkpoint calls to 1000 / minIntervalMs a second;
 * - `trigger()` starts a round as soon as both allow; triggers while a round runs, or while
 *   one is already due, add up to exactly one round;
 * - without triggers a round starts `intervalMs` after the previous one ended (the idle tick:
 *   lease renewal, catching up with entries sequenced by other processes).
 *
 * `run` must not reject (the caller reports its own errors); nothing runs after `stop`.
 */
export class RoundScheduler {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the timer fires (ms on the monotonic clock), if it is set. */
  private dueAt = Infinity;
  private running: Promise<void> | undefined;
  /** A trigger arrived since the round in flight (if any) started. */
  private pending = false;
  private lastStart = -Infinity;
  private stopped = true;

  constructor(
    private readonly run: () => Promise<void>,
    private readonly intervalMs: number,
    private readonly minIntervalMs: number,
  ) {}

  /** The monotonic clock (a pause of the process counts). */
  private now(): number {
    return performance.now();
  }

  /** Runs the first round now, then per the contract above until `stop`. */
  start(): void {
    this.stopped = false;
    this.round();
  }

  /** New work exists (e.g. a commit): a round starts as soon as the contract allows. */
  trigger(): void {
    if (this.stopped) return;
    this.pending = true;
    if (this.running) return; // the round's end schedules the follow-up
    this.schedule(this.lastStart + this.minIntervalMs - this.now());
  }

  /** Forgets the triggers received so far: the next round is then the idle tick's. */
  dropTriggers(): void {
    this.pending = false;
    if (!this.running) {
      this.clear();
      if (!this.stopped) this.schedule(this.intervalMs);
    }
  }

  /** Resolves when the round in flight (if any) has ended. */
  async idle(): Promise<void> {
    await this.running;
  }

  /** No round starts after this; resolves when the one in flight has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.clear();
    await this.running;
  }

  /** Sets the timer to fire in `delayMs` (at least 0), unless it already fires sooner. */
  private schedule(delayMs: number): void {
    const at = this.now() + Math.max(0, delayMs);
    if (at >= this.dueAt) return;
    this.clear();
    this.dueAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, delayMs));
  }

  /** The timer fired: a round, unless the clock says it is early (timers round to ms). */
  private fire(): void {
    const early = this.lastStart + this.minIntervalMs - this.now();
    if (early > 0) {
      this.timer = setTimeout(() => this.fire(), Math.ceil(early));
      return;
    }
    this.round();
  }

  private clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.dueAt = Infinity;
  }

  private round(): void {
    this.clear();
    this.pending = false;
    this.lastStart = this.now();
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.stopped) return;
      this.schedule(
        this.pending ? this.lastStart + this.minIntervalMs - this.now() : this.intervalMs,
      );
    });
  }
}
