import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../../local/stack';
import { launchTestBrowser, type TestBrowser } from './browser';

/**
 * Starts the local stack and the browser side by side. `keep` hears of whichever started before
 * any failure is thrown, so the suite's afterAll stops it even when the other did not start.
 */
export async function startStackAndBrowser(
  options: LocalStackOptions,
  keep: (started: { stack?: LocalStack | undefined; browser?: TestBrowser | undefined }) => void,
): Promise<void> {
  const [started, launched] = await Promise.allSettled([startLocalStack(options), launchTestBrowser()]);
  keep({
    stack: started.status === 'fulfilled' ? started.value : undefined,
    browser: launched.status === 'fulfilled' ? launched.value : undefined,
  });
  if (started.status === 'rejected') throw started.reason;
  if (launched.status === 'rejected') throw launched.reason;
}

/** A dev token from the local stack (`POST /dev/tokens`); an admin of every community unless told. */
export async function devToken(
  stack: LocalStack,
  who: { sub: string; roles?: readonly string[]; communities?: readonly string[] },
): Promise<string> {
  const response = await fetch(`${stack.url}/dev/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roles: ['admin'], communities: ['*'], ...who }),
  });
  return ((await response.json()) as { token: string }).token;
}
