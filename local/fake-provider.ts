import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TemplateProviderName } from '../shared/adapters/sms-providers/port';
import {
  fillTemplate,
  TEMPLATE_TEXTS,
  type TemplateConfig,
  templateVars,
} from '../shared/adapters/sms-providers/templates';
import type { Locale } from '../shared/domain/sms';

/** How the fake is told to misbehave. Counts are for the next calls; sets hold E.164 numbers. */
export type FakeFailures = {
  /** The next this-many API calls are refused as over the request rate. */
  throttleCalls: number;
  /** The next this-many API calls get no answer (the client times out). */
  timeoutCalls: number;
  /**
   * The next this-many send calls are carried out (the messages reach the phones) but get no
   * answer: what the sender sees when the provider took a batch and the connection died.
   */
  crashCalls: number;
  refuse: Set<string>;
  frequencyLimit: Set<string>;
  /** Numbers whose message is accepted but whose receipt says it was not delivered. */
  undeliverable: Set<string>;
};

/** A message the fake accepted, as it reports it back. */
export type FakeSent = {
  messageId: string;
  phone: string;
  text: string;
  context: string;
  templateId: string;
  /** When it was accepted, in ms since the epoch. */
  at: number;
};

export type FakeOptions = {
  templates: TemplateConfig;
  credentials: { id: string; secret: string };
  /** Puts the rendered text on the recipient's simulated phone. */
  deliver: (sms: { to: string; body: string; dedupeKey: string }) => Promise<unknown>;
  /** Where receipts and replies are posted (`…/sms/<provider>/<kind>?token=…`). */
  callbackUrl?: ((kind: 'receipts' | 'replies' | 'voice') => string) | undefined;
  /** Post receipts by itself after each call (the local stack); tests call `flushReceipts`. */
  autoReceipts?: boolean | undefined;
  /** Post each receipt twice, and a batch's receipts in reverse order. */
  duplicates?: boolean | undefined;
  outOfOrder?: boolean | undefined;
};

/** One voice call the fake took: the number, the template and its values, the context given. */
export type FakeVoiceCall = {
  callId: string;
  phone: string;
  templateId: string;
  params: string[] | Record<string, string>;
  playTimes: number;
  context: string;
};

/** How a fake voice call ended, as its reports will say. */
export type FakeVoiceReport = {
  outcome: 'answered' | 'unanswered' | 'busy';
  keypress?: string | undefined;
  durationSeconds?: number | undefined;
};

export type Body = {
  status: number;
  headers?: Record<string, string>;
  json: unknown;
  /** Carried out, but the answer is never sent (see `crashCalls`). */
  unanswered?: boolean;
};

/**
 * What both fakes share: counts, failure switches, rendering templates onto the simulated phones,
 * and posting callbacks (again, with backoff, until acknowledged, as the providers do).
 */
export abstract class FakeProvider {
  abstract readonly name: TemplateProviderName;
  apiCalls = 0;
  messages = 0;
  readonly failures: FakeFailures = {
    throttleCalls: 0,
    timeoutCalls: 0,
    crashCalls: 0,
    refuse: new Set(),
    frequencyLimit: new Set(),
    undeliverable: new Set(),
  };
  readonly sent: FakeSent[] = [];
  /** The numbers each send call the fake carried out held, in order. */
  readonly sendCalls: number[] = [];
  /** Requests whose signature did not verify. */
  badSignatures = 0;
  /** Calls that asked what was sent to a number (Tencent PullSmsSendStatusByPhoneNumber, Alibaba QuerySendDetails). */
  statusQueries = 0;
  /** Text-to-speech calls placed (Tencent VMS `SendTtsVoice`, Alibaba `SingleCallByTts`). */
  readonly voiceCalls: FakeVoiceCall[] = [];
  private receiptQueue: { phone: string; messageId: string; delivered: boolean; context: string }[] = [];
  private server: Server | undefined;
  private readonly held = new Set<ServerResponse>();
  private posting: Promise<void> = Promise.resolve();

  constructor(protected readonly options: FakeOptions) {}

  /** Handles one API request, after the body was read. */
  protected abstract handle(req: IncomingMessage, url: URL, body: Buffer): Promise<Body>;
  /** The provider's receipt body for some messages. */
  protected abstract receiptBody(
    items: { phone: string; messageId: string; delivered: boolean; context: string }[],
  ): unknown;
  /** The provider's reply body for one reply. */
  protected abstract replyBody(reply: { from: string; body: string; id: string; at: Date }): unknown;
  /** The provider's call report bodies for one voice call: how it ended, and the key pressed. */
  protected abstract voiceReportBodies(call: FakeVoiceCall, report: FakeVoiceReport): unknown[];
  /** Whether the service's answer is the provider's success acknowledgement. */
  protected abstract acknowledged(json: unknown): boolean;

  /** Starts on a free loopback port; returns `host:port` for the SDK's endpoint. */
  async start(port = 0): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        if (this.failures.timeoutCalls > 0) {
          this.failures.timeoutCalls--;
          this.apiCalls++;
          // No answer: the client gives up; the socket is closed when the fake stops.
          this.held.add(res);
          return;
        }
        this.handle(req, url, Buffer.concat(chunks)).then(
          (out) => {
            if (out.unanswered) {
              this.held.add(res);
              return;
            }
            res.writeHead(out.status, { 'content-type': 'application/json;charset=utf-8', ...out.headers });
            res.end(JSON.stringify(out.json));
          },
          () => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end('{"Code":"InternalError"}');
          },
        );
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return `127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    await this.posting;
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Counts since start, as `GET /dev/sms/provider` reports them. */
  counts() {
    return {
      provider: this.name,
      apiCalls: this.apiCalls,
      messages: this.messages,
      statusQueries: this.statusQueries,
    };
  }

  /** The registered text of a template id, with the values filled in, signature first. */
  protected render(templateId: string, params: (name: string, index: number) => string | undefined) {
    for (const [locale, ids] of Object.entries(this.options.templates.templates)) {
      const key = Object.entries(ids ?? {}).find(([, id]) => id === templateId)?.[0];
      const text = key ? TEMPLATE_TEXTS[key]?.[locale === 'en' ? 'en' : 'zh'] : undefined;
      if (key && text) {
        const names = templateVars(key, locale as Locale);
        const values = names.map((n, i) => params(n, i) ?? '');
        return {
          names,
          values,
          text: `【${this.options.templates.signName}】${fillTemplate(text, names, values)}`,
        };
      }
    }
    return undefined;
  }

  /** Puts an accepted message on the phone and queues its receipt. */
  protected async accept(
    phone: string,
    text: string,
    context: string,
    templateId: string,
    id?: string,
  ): Promise<string> {
    const messageId = id ?? randomUUID().replace(/-/g, '');
    this.messages++;
    this.sent.push({ messageId, phone, text, context, templateId, at: Date.now() });
    await this.options.deliver({ to: phone, body: text, dedupeKey: `${this.name}/${messageId}/${phone}` });
    this.receiptQueue.push({ phone, messageId, delivered: !this.failures.undeliverable.has(phone), context });
    return messageId;
  }

  /** Whether an accepted send call is to go unanswered, as told by `crashCalls`. */
  protected crashing(): boolean {
    if (this.failures.crashCalls <= 0) return false;
    this.failures.crashCalls--;
    return true;
  }

  /** What the fake accepted for a number between two instants (ms), oldest first. */
  protected sentTo(phone: string, from: number, to: number): FakeSent[] {
    return this.sent.filter((s) => s.phone === phone && s.at >= from && s.at <= to);
  }

  /** Called after each accepted call: posts its receipts when the fake runs by itself. */
  protected afterCall(): void {
    if (this.options.autoReceipts) {
      this.posting = this.posting.then(() => this.flushReceipts()).catch(() => undefined);
    }
  }

  /** Posts every queued receipt, in the provider's format, until the service acknowledges it. */
  async flushReceipts(): Promise<void> {
    const items = this.receiptQueue.splice(0);
    if (!items.length || !this.options.callbackUrl) return;
    const ordered = this.options.outOfOrder ? [...items].reverse() : items;
    const bodies = ordered.map((i) => this.receiptBody([i]));
    if (this.options.duplicates) bodies.push(...bodies.slice());
    for (const body of bodies) await this.post(this.options.callbackUrl('receipts'), body);
  }

  /** A phone replies: posted to the reply callback as the provider would. Returns the reply's id. */
  async reply(from: string, text: string, id = randomUUID().replace(/-/g, '')): Promise<string> {
    if (!this.options.callbackUrl) throw new Error('no callback address');
    const body = this.replyBody({ from, body: text, id, at: new Date() });
    await this.post(this.options.callbackUrl('replies'), body);
    if (this.options.duplicates) await this.post(this.options.callbackUrl('replies'), body);
    return id;
  }

  /** A voice call ends: its reports are posted to the voice callback as the provider would. */
  async reportVoice(callId: string, report: FakeVoiceReport): Promise<void> {
    const call = this.voiceCalls.find((c) => c.callId === callId);
    if (!call) throw new Error(`no voice call ${callId}`);
    if (!this.options.callbackUrl) throw new Error('no callback address');
    const bodies = this.voiceReportBodies(call, report);
    const ordered = this.options.outOfOrder ? [...bodies].reverse() : bodies;
    if (this.options.duplicates) ordered.push(...ordered.slice());
    for (const body of ordered) await this.post(this.options.callbackUrl('voice'), body);
  }

  /** Called after each voice call the fake took: when it runs by itself, the person answers and presses 1. */
  protected afterVoiceCall(callId: string): void {
    if (this.options.autoReceipts && this.options.callbackUrl) {
      this.posting = this.posting
        .then(() => new Promise((resolve) => setTimeout(resolve, 1_000)))
        .then(() => this.reportVoice(callId, { outcome: 'answered', keypress: '1', durationSeconds: 18 }))
        .catch(() => undefined);
    }
  }

  /** Posts a body again, with backoff, until acknowledged; gives up after a few tries. */
  private async post(url: string, body: unknown): Promise<void> {
    for (let attempt = 0; attempt < 8; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        const json: unknown = await res.json().catch(() => undefined);
        if (res.ok && this.acknowledged(json)) return;
        if (res.status === 401 || res.status === 400) return;
      } catch {
        // The service is not up yet: try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** attempt));
    }
  }
}
