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
  /** When the timer fires (ms on `now`'s clock), if it is set. */
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
    private readonly now: () => number = () => performance.now(),
  ) {}

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
    this.timer = setTimeout(() => this.round(), Math.max(0, delayMs));
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
