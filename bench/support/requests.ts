import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Who is calling DynamoDB: the benchmark runs each actor (the stream consumer, one reply, the
 * API) inside its own scope, so requests are attributed by who made them, not by when.
 * Requests made outside any scope (the local API server's handlers) count as `api`.
 */
export type Scope = { actor: string; tally?: Map<string, number> };

const scopes = new AsyncLocalStorage<Scope>();

/** One line of the count: who, which command, what it touched, how many. */
export type RequestTally = {
  actor: string;
  command: string;
  op: string;
  requests: number;
  /** Summed wall time of these requests as the caller saw it (machine-dependent; for diagnosis). */
  ms: number;
};

type Raw = Record<string, unknown>;

/** A string attribute in either shape the middleware may see: plain (`'x'`) or marshalled (`{ S: 'x' }`). */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'S' in value && typeof value.S === 'string') return value.S;
  return '';
}

/** `ACT#01j…` → `ACT#`; `ACTIVATION` → `ACTIVATION`; `2026-…#id` → `<at>#`: the kind of key, not the key. */
function prefix(key: string): string {
  const hash = key.indexOf('#');
  const head = hash === -1 ? key : key.slice(0, hash + 1);
  return /^[A-Z_]+#?$/.test(head) ? head : hash === -1 ? '<value>' : '<value>#';
}

function keyKind(key: unknown): string {
  if (!key || typeof key !== 'object') return '?';
  const k = key as Raw;
  return `${prefix(text(k.pk))}/${prefix(text(k.sk))}`;
}

function asRecord(value: unknown): Raw {
  return value && typeof value === 'object' ? (value as Raw) : {};
}

/** What one transaction item does, in a word or two. */
function transactPart(item: Raw): string {
  const [action = '?', body] = Object.entries(item)[0] ?? [];
  const b = asRecord(body);
  const key = keyKind(action === 'Put' ? b.Item : b.Key);
  const expression = typeof b.UpdateExpression === 'string' ? b.UpdateExpression : '';
  if (expression.includes('leaseUntil = :lease')) return 'claim outbox message';
  if (expression.includes(':sent') || expression.includes(':failed')) return 'settle outbox message';
  if (expression.includes(':cancelled') && key.startsWith('ACT#/MEMBER#')) return 'close/cancel draftee';
  return `${action} ${key}`;
}

/** A short name for what a request does, from its input: which items or index it touches. */
export function describeRequest(command: string, input: Raw): string {
  switch (command) {
    case 'GetItemCommand':
      return `Get ${keyKind(input.Key)}`;
    case 'PutItemCommand':
      return `Put ${keyKind(input.Item)}`;
    case 'UpdateItemCommand':
      return `Update ${keyKind(input.Key)}`;
    case 'BatchWriteItemCommand': {
      const tables = Object.values(asRecord(input.RequestItems));
      const first = asRecord((tables[0] as unknown[] | undefined)?.[0]);
      const put = asRecord(first.PutRequest);
      const del = asRecord(first.DeleteRequest);
      return put.Item ? `BatchWrite Put ${keyKind(put.Item)}` : `BatchWrite Delete ${keyKind(del.Key)}`;
    }
    case 'QueryCommand': {
      const values = Object.values(asRecord(input.ExpressionAttributeValues)).map(text);
      const index = typeof input.IndexName === 'string' ? input.IndexName : 'table';
      return `Query ${index} ${values.filter(Boolean).map(prefix).join(' ')}`.trim();
    }
    case 'BatchGetItemCommand': {
      const tables = Object.values(asRecord(input.RequestItems)).map(asRecord);
      const first = (tables[0]?.Keys as unknown[] | undefined)?.[0];
      return `BatchGet ${keyKind(first)}`;
    }
    case 'TransactWriteItemsCommand': {
      const items = (input.TransactItems as Raw[] | undefined) ?? [];
      const parts = [...new Set(items.map(transactPart))].sort();
      return `Transact [${parts.join(', ')}]`;
    }
    default:
      return command.replace(/Command$/, '');
  }
}

/**
 * Counts DynamoDB requests made through the one document client, per actor, command and kind
 * of item. `commands` counts calls of `send` (what the code asks for); `attempts` counts what went
 * over the wire, SDK retries included, so a retry storm would show as a difference.
 */
export class RequestCounter {
  private readonly calls = new Map<string, RequestTally>();
  private attemptCount = 0;
  private callCount = 0;

  install(doc: DynamoDBDocumentClient): void {
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        const scope = scopes.getStore();
        const actor = scope?.actor ?? 'api';
        const command = String(context.commandName ?? 'unknown');
        const op = describeRequest(command, asRecord(args.input));
        const id = `${actor}\u0000${command}\u0000${op}`;
        const tally = this.calls.get(id) ?? { actor, command, op, requests: 0, ms: 0 };
        tally.requests++;
        this.calls.set(id, tally);
        this.callCount++;
        if (scope?.tally) scope.tally.set(op, (scope.tally.get(op) ?? 0) + 1);
        const start = performance.now();
        try {
          return await next(args);
        } finally {
          tally.ms += performance.now() - start;
        }
      },
      { step: 'initialize', name: 'benchRequestCounter', priority: 'low' },
    );
    doc.middlewareStack.add(
      (next) => async (args) => {
        this.attemptCount++;
        return next(args);
      },
      { step: 'finalizeRequest', name: 'benchAttemptCounter', priority: 'low' },
    );
  }

  reset(): void {
    this.calls.clear();
    this.attemptCount = 0;
    this.callCount = 0;
  }

  /** Every tally since the last reset, biggest first. */
  read(): { tallies: RequestTally[]; calls: number; attempts: number } {
    return {
      tallies: [...this.calls.values()].map((t) => ({ ...t })).sort((a, b) => b.requests - a.requests),
      calls: this.callCount,
      attempts: this.attemptCount,
    };
  }

  total(actor?: string): number {
    let n = 0;
    for (const t of this.calls.values()) if (actor === undefined || t.actor === actor) n += t.requests;
    return n;
  }
}

/** Runs `fn` as `actor`: every DynamoDB request it makes, however deep, is counted for it. */
export function asActor<T>(scope: Scope, fn: () => Promise<T>): Promise<T> {
  return scopes.run(scope, fn);
}
