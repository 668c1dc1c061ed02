import type { Locale } from '../../domain/sms';
import { TEMPLATE_TEXTS, templateVars } from './templates';

/** The text of the template a key names, as registered with Tencent: `{1}`, `{2}`… by position. */
export function tencentText(key: string, locale: Locale): string {
  const names: readonly string[] = templateVars(key, locale);
  return (TEMPLATE_TEXTS[key]?.[locale] ?? '').replace(
    /\{(\w+)\}/g,
    (_, n: string) => `{${names.indexOf(n) + 1}}`,
  );
}

/** The text of the template a key names, as registered with Alibaba: `${name}`. */
export function aliyunText(key: string, locale: Locale): string {
  return (TEMPLATE_TEXTS[key]?.[locale] ?? '').replace(/\{(\w+)\}/g, (_, n: string) => `\${${n}}`);
}
