import type { Translator } from './i18n';

/** A share as a whole percentage, or a dash when there was nobody to count. */
export const percent = (x: number | null | undefined) =>
  x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`;

/** A length of time in the reader's words: seconds, minutes, or hours and minutes. */
export function duration(t: Translator['t'], seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  if (seconds < 60) return t('seconds', { n: Math.round(seconds) });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('minutes', { n: minutes });
  return t('hoursMinutes', { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/** Minutes with one decimal, from seconds, for the tables of medians. */
export const minutesOf = (seconds: number | null | undefined) =>
  seconds === null || seconds === undefined ? '—' : (Math.round(seconds / 6) / 10).toFixed(1);

/** A date and time, 24-hour, in the reader's language and the browser's zone. */
export function dateTime(lang: 'zh' | 'en', iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return date.toLocaleString(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    hour12: false,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
}
