import { describe, expect, it } from 'vitest';
import { translator } from '../../../console/src/i18n';
import { duration, minutesOf, percent } from '../../../console/src/report-format';

describe('the report page’s numbers in words', () => {
  const zh = translator('zh').t;
  const en = translator('en').t;

  it('says a length of time in seconds, minutes, or hours and minutes', () => {
    expect(duration(zh, 42.4)).toBe('42 秒');
    expect(duration(zh, 61)).toBe('1 分钟');
    expect(duration(en, 3 * 3600 + 5 * 60 + 20)).toBe('3 h 5 min');
    expect(duration(en, null)).toBe('—');
  });

  it('writes shares as whole percentages and medians as minutes with one decimal', () => {
    expect(percent(0.0816)).toBe('8%');
    expect(percent(1)).toBe('100%');
    expect(percent(null)).toBe('—');
    expect(minutesOf(90)).toBe('1.5');
    expect(minutesOf(null)).toBe('—');
  });
});
