import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../../local/stack';

/** `bytes` is the body as sent, before decoding (which drops a byte order mark). */
export type Reply<T = unknown> = { status: number; body: T; headers: Headers; bytes?: Uint8Array };

/** A caller of the local API with one token. */
export type Client = {
  get<T = unknown>(path: string): Promise<Reply<T>>;
  post<T = unknown>(path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply<T>>;
  put<T = unknown>(path: string, body?: unknown): Promise<Reply<T>>;
  patch<T = unknown>(path: string, body?: unknown): Promise<Reply<T>>;
  delete<T = unknown>(path: string): Promise<Reply<T>>;
  raw(path: string, init: RequestInit): Promise<Reply>;
};

export type TestApi = {
  stack: LocalStack;
  /** A client acting as the given roles in the given communities (`['*']` for all). */
  as(roles: string[], communities: string[], sub?: string): Promise<Client>;
  anonymous: Client;
  stop(): Promise<void>;
};

/**
 * Starts the local API on a fresh table in the run's DynamoDB Local, or, with `ownDatabase`, in a
 * DynamoDB Local of its own (in memory, stopped with the API): for suites that write thousands of
 * items, since DynamoDB Local slows down for every table it has held.
 */
export async function startTestApi(
  options: Pick<
    LocalStackOptions,
    'seed' | 'consumer' | 'smsRate' | 'sweepSeconds' | 'scheduleSeconds' | 'smsProvider' | 'fakeProvider'
  > & {
    ownDatabase?: boolean;
  } = {},
): Promise<TestApi> {
  const { ownDatabase, ...stackOptions } = options;
  const stack = await startLocalStack({
    ...(ownDatabase ? {} : { endpoint: inject('dynamoEndpoint') }),
    tableName: `test-${randomUUID()}`,
    inMemory: true,
    port: 0,
    sweepSeconds: 0,
    scheduleSeconds: 0,
    ...stackOptions,
    seed: stackOptions.seed ?? 'none',
  });
  const client = (token?: string): Client => {
    const call = async <T>(
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const init: RequestInit = {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      };
      return raw(path, init) as Promise<Reply<T>>;
    };
    const raw = async (path: string, init: RequestInit): Promise<Reply> => {
      const response = await fetch(`${stack.url}${path}`, {
        ...init,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(init.headers as Record<string, string>),
        },
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      const text = new TextDecoder().decode(bytes);
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: keep the text
      }
      return { status: response.status, body: parsed, headers: response.headers, bytes };
    };
    return {
      get: (path) => call('GET', path),
      post: (path, body, headers) => call('POST', path, body, headers),
      put: (path, body) => call('PUT', path, body),
      patch: (path, body) => call('PATCH', path, body),
      delete: (path) => call('DELETE', path),
      raw,
    };
  };
  return {
    stack,
    async as(roles, communities, sub = `user-${roles.join('-')}`) {
      return client(await stack.auth.mint({ sub, groups: roles, communities }));
    },
    anonymous: client(),
    stop: () => stack.stop(),
  };
}
