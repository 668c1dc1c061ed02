import type { SoakService } from './service';

export type Reply = { status: number; body: unknown };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The API as a duty officer's console and the phones use it. A request that dies with the
 * service (connection refused or reset, a 5xx) is sent again, unchanged, once the service is
 * back: the caller sees only the answer of the life that completed it.
 */
export class SoakClient {
  retries = 0;

  constructor(private readonly service: SoakService) {}

  async request(method: 'GET' | 'POST', path: string, body?: unknown, deadlineMs = 180_000): Promise<Reply> {
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const token = await this.service.token();
        const response = await fetch(`${this.service.url}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(60_000),
        });
        const text = await response.text();
        if (response.status < 500)
          return { status: response.status, body: text ? JSON.parse(text) : undefined };
      } catch {
        // the service died under the request, or is not up yet
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: no answer before the deadline`);
      this.retries++;
      await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
    }
  }
}
