import { vi } from 'vitest';

/** Everything written to stdout and stderr while capturing, in order. */
export type Capture = { text(): string; lines(): string[]; stop(): void };

/**
 * Captures every write to `process.stdout` and `process.stderr` (where Powertools' logger and any
 * `console` call in this process end up) until `stop`, without letting it through.
 */
export function captureOutput(): Capture {
  const chunks: string[] = [];
  const capture = (chunk: unknown, ...rest: unknown[]) => {
    chunks.push(chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    callback?.();
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== ''),
    stop: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
}

/**
 * A pattern for a mainland number in national form however it is written: digits run together
 * or split by spaces, dashes, dots or brackets (`138 0013 8000`, `138-0013-8000`).
 */
export function spelledAnyway(national: string): RegExp {
  return new RegExp(`(?<!\\d)${national.split('').join('[\\s\\-.()]?')}(?!\\d)`);
}
