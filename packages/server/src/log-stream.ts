import type { Writable } from 'node:stream';

/** What pino writes its lines to (its `stream` option, or fastify's `logger.stream`). */
export interface LineStream {
  write(line: string): void;
  /** Writes the lines held so far, now. */
  flush(): void;
}

/**
 * A log destination that writes the lines of one event-loop turn with one `write` at the end
 * of that turn (setImmediate), instead of one system call per line: under load a commit
 * answers a few dozen requests in one turn, and their access-log lines go out together.
 * Lines keep their order and leave within the turn that made them; the lines of the current
 * turn are written on process exit too ('exit' listener; process.stdout is synchronous for
 * files and pipes on Linux). A process killed by a signal that Node does not handle loses at
 * most the lines of that turn.
 */
export function turnBufferedStream(out: Writable = process.stdout): LineStream {
  let lines: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (lines.length === 0) return;
    const text = lines.length === 1 ? lines[0]! : lines.join('');
    lines = [];
    out.write(text);
  };
  process.on('exit', flush);
  return {
    write(line) {
      lines.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
