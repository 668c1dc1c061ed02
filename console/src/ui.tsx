import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useI18n } from './i18n';
import type { DrafteeStatus, GridLevel, Mode } from './types';

const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

let dialogIds = 0;

/**
 * A modal dialog on the native `<dialog>`: the rest of the page is inert while it is open, Tab
 * and Shift+Tab cycle inside it, Escape closes it, and focus goes back where it came from.
 * Mount it to open it; unmount it to close it.
 */
export function Dialog(props: {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  tone?: 'emergency' | 'drill' | 'plain';
  /** A CSS selector inside the dialog to focus first; the first focusable element otherwise. */
  initialFocus?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useRef(`dialog-title-${++dialogIds}`).current;
  const { onClose } = props;
  const initialFocus = props.initialFocus;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!dialog.open) dialog.showModal();
    const first = initialFocus ? dialog.querySelector<HTMLElement>(initialFocus) : null;
    (first ?? dialog.querySelector<HTMLElement>(FOCUSABLE))?.focus();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, [initialFocus]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Tab') return;
    const dialog = ref.current;
    if (!dialog) return;
    const items = Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE)).filter(
      (el) => el.offsetParent !== null,
    );
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };

  return (
    <dialog
      ref={ref}
      class={`dialog tone-${props.tone ?? 'plain'}`}
      aria-labelledby={titleId}
      data-testid={props.testId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      onKeyDown={onKeyDown}
    >
      <header class="dialog-head">
        <h2 id={titleId}>{props.title}</h2>
        <CloseButton onClick={onClose} />
      </header>
      <div class="dialog-body">{props.children}</div>
    </dialog>
  );
}

export function CloseButton(props: { onClick: () => void; label?: string }) {
  const { t } = useI18n();
  return (
    <button type="button" class="icon-button" onClick={props.onClick} aria-label={props.label ?? t('close')}>
      <Icon name="cross" />
    </button>
  );
}

type IconName = 'check' | 'arrived' | 'cross' | 'clock' | 'warning' | 'queued' | 'minus' | 'phone' | 'flag';

/** Small inline icons, so a status never rests on colour or on a font's glyphs alone. */
export function Icon(props: { name: IconName }) {
  return (
    <svg
      aria-hidden="true"
      focusable="false"
      class="icon"
      width={16}
      height={16}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      stroke-width={2}
      stroke-linecap="round"
      stroke-linejoin="round"
      stroke-dasharray={props.name === 'queued' ? '2.5 2' : undefined}
    >
      {SHAPES[props.name]}
    </svg>
  );
}

const SHAPES: Record<IconName, JSX.Element> = {
  check: <polyline points="3,8.5 6.5,12 13,4.5" />,
  arrived: (
    <>
      <circle cx="8" cy="8" r="6.5" />
      <polyline points="4.8,8.3 7.2,10.6 11.2,5.8" />
    </>
  ),
  cross: (
    <>
      <line x1="4" y1="4" x2="12" y2="12" />
      <line x1="12" y1="4" x2="4" y2="12" />
    </>
  ),
  clock: (
    <>
      <circle cx="8" cy="8" r="6.5" />
      <polyline points="8,4.5 8,8 10.5,9.5" />
    </>
  ),
  warning: (
    <>
      <path d="M8 1.8 15 14H1Z" />
      <line x1="8" y1="6.5" x2="8" y2="9.5" />
      <line x1="8" y1="11.8" x2="8" y2="11.9" />
    </>
  ),
  queued: <circle cx="8" cy="8" r="6" />,
  minus: <line x1="3.5" y1="8" x2="12.5" y2="8" />,
  phone: (
    <>
      <rect x="4.5" y="1.5" width="7" height="13" rx="1.5" />
      <line x1="7" y1="12" x2="9" y2="12" />
    </>
  ),
  flag: (
    <>
      <line x1="3.5" y1="14.5" x2="3.5" y2="1.8" />
      <path d="M3.5 2.2h8.5l-2 3 2 3H3.5" />
    </>
  ),
};

const STATUS_ICON: Record<DrafteeStatus, IconName> = {
  drafted: 'queued',
  alerted: 'clock',
  noResponse: 'warning',
  confirmed: 'check',
  arrived: 'arrived',
  declined: 'cross',
  released: 'minus',
};

/** A member's status: colour, icon and words. */
export function StatusBadge(props: { status: DrafteeStatus }) {
  const { labels } = useI18n();
  return (
    <span class={`status status-${props.status}`} data-status={props.status}>
      <Icon name={STATUS_ICON[props.status]} />
      <span>{labels.status[props.status]}</span>
    </span>
  );
}

/** A community's mode, in its unmistakable colour and words. */
export function ModePill(props: { mode: Mode; large?: boolean }) {
  const { labels } = useI18n();
  const icon: IconName = props.mode === 'normal' ? 'check' : props.mode === 'drill' ? 'flag' : 'warning';
  return (
    <span class={`mode mode-${props.mode}${props.large ? ' mode-large' : ''}`} data-mode={props.mode}>
      <Icon name={icon} />
      <span>{labels.mode[props.mode]}</span>
    </span>
  );
}

/** A grid tile in its grade's colour, with the grade in words too. */
export function GridTile(props: { name: string; level: GridLevel; title?: string }) {
  const { labels } = useI18n();
  return (
    <li class={`grid-tile grade-${props.level}`} title={props.title}>
      <span class="grade-mark" aria-hidden="true">
        {labels.gridLevel[props.level]}
      </span>
      <span class="grid-name">{props.name}</span>
      <span class="visually-hidden">（{labels.gridLevel[props.level]}）</span>
    </li>
  );
}

export function ErrorNote(props: { message: string; onRetry?: () => void }) {
  const { t } = useI18n();
  return (
    <div class="error-note" role="alert">
      <Icon name="warning" />
      <span>
        {t('errorPrefix')}
        {props.message}
      </span>
      {props.onRetry && (
        <button type="button" class="button small" onClick={props.onRetry}>
          {t('retryLoad')}
        </button>
      )}
    </div>
  );
}

/** Runs `effect` every `ms` while mounted, and once at once. */
export function usePoll(effect: () => Promise<void>, ms: number, deps: unknown[]) {
  const saved = useRef(effect);
  saved.current = effect;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await saved.current();
      } catch {
        // Each poller shows its own errors; a failed round is simply tried again.
      } finally {
        if (!stopped) timer = setTimeout(run, ms);
      }
    };
    void run();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [ms, ...deps]);
}

/** A fresh random UUID, also where `crypto.randomUUID` is missing (plain-HTTP origins). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The message of anything thrown. */
export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
