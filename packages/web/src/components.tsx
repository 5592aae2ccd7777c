import type { ComponentChildren } from 'preact';
import { useId, useRef, useState } from 'preact/hooks';

/** Icons are drawn inline (SVG elements, not images or styles), and hidden from readers. */
export function Icon({ name }: { name: 'passed' | 'failed' | 'not-applicable' | 'pending' }) {
  const paths: Record<typeof name, string> = {
    passed: 'M6 12.5l4 4L18 8',
    failed: 'M7 7l10 10M17 7L7 17',
    'not-applicable': 'M7 12h10',
    pending: 'M12 7v5l3 2',
  };
  return (
    <svg class={`icon icon-${name}`} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <circle cx="12" cy="12" r="11" />
      <path d={paths[name]} />
    </svg>
  );
}

/**
 * A page's verdict: its icon and headline over what it rests on (`children`), announced to
 * screen readers when it changes.
 */
export function VerdictBox(props: {
  verdict: 'passed' | 'failed' | 'pending';
  headline: string;
  children: ComponentChildren;
}) {
  return (
    <section
      class={`verdict verdict-${props.verdict}`}
      aria-live="polite"
      aria-atomic="true"
      data-testid="verdict"
    >
      <Icon name={props.verdict} />
      <div class="verdict-text">
        <h1>{props.headline}</h1>
        {props.children}
      </div>
    </section>
  );
}

/** A button that copies `text` and says so. */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setState('copied');
    } catch {
      setState('failed');
    }
    setTimeout(() => setState('idle'), 2000);
  };
  return (
    <button type="button" class="button button-small" onClick={() => void copy()}>
      <span aria-live="polite">
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : label}
      </span>
    </button>
  );
}

/**
 * A place to drop a file, that is also a file picker: the visually hidden file input keeps
 * its place in the tab order (Enter or Space opens the picker), and the whole zone shows
 * its focus. The file is read in the browser and handed to `onFile`.
 */
export function DropZone(props: {
  title: string;
  hint: ComponentChildren;
  onFile: (file: File) => void;
  testId?: string;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const take = (files: FileList | null | undefined) => {
    const file = files?.[0];
    if (file) props.onFile(file);
  };
  return (
    <label
      class={`dropzone${over ? ' dropzone-over' : ''}`}
      for={id}
      onDragEnter={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragOver={(e) => {
        e.preventDefault();
        if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        take(e.dataTransfer?.files);
      }}
    >
      <input
        id={id}
        ref={input}
        class="visually-hidden"
        type="file"
        data-testid={props.testId}
        onChange={(e) => {
          take((e.currentTarget as HTMLInputElement).files);
          // Picking the same file again must trigger a new check.
          (e.currentTarget as HTMLInputElement).value = '';
        }}
      />
      <svg class="dropzone-icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
        <path d="M12 15V4m0 0L8 8m4-4l4 4M5 14v4a2 2 0 002 2h10a2 2 0 002-2v-4" />
      </svg>
      <span class="dropzone-title">{props.title}</span>
      <span class="dropzone-hint">{props.hint}</span>
    </label>
  );
}

/** A two-column list of facts that stacks on narrow screens. */
export function Facts({ children }: { children: ComponentChildren }) {
  return <dl class="facts">{children}</dl>;
}

export function Fact(props: { label: string; children: ComponentChildren; mono?: boolean }) {
  return (
    <div class="fact">
      <dt>{props.label}</dt>
      <dd class={props.mono ? 'mono' : undefined}>{props.children}</dd>
    </div>
  );
}

/** Reads a file's bytes in the browser. Nothing is sent anywhere. */
export async function readFileBytes(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.arrayBuffer());
}
