import type { Reply } from './local-api';

/** What a test needs of a caller: the shape of `local-api`'s `Client`, with bodies left `unknown` to parse. */
export type Api = {
  get(path: string): Promise<Reply>;
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  put(path: string, body?: unknown): Promise<Reply>;
  patch(path: string, body?: unknown): Promise<Reply>;
  delete(path: string): Promise<Reply>;
  raw(path: string, init: RequestInit): Promise<Reply>;
};

/**
 * A caller of any Pingji API at `baseUrl` (a stack started in-process or `npm start` in a
 * subprocess), sending `token` as the bearer token when given.
 */
export function httpClient(baseUrl: string, token?: string): Api {
  const raw = async (path: string, init: RequestInit): Promise<Reply> => {
    const headers = new Headers(init.headers);
    if (token !== undefined && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
    const response = await fetch(`${baseUrl}${path}`, { ...init, headers });
    const text = await response.text();
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, body, headers: response.headers };
  };
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const json = body !== undefined && typeof body !== 'string';
    return raw(path, {
      method,
      headers: { ...(json ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body, headers) => call('POST', path, body, headers),
    put: (path, body) => call('PUT', path, body),
    patch: (path, body) => call('PATCH', path, body),
    delete: (path) => call('DELETE', path),
    raw,
  };
}
