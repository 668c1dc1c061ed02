import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as z from 'zod';
import type { Api } from './support/http-client';
import { startTestApi, type TestApi } from './support/local-api';
import {
  buildCommunity,
  CSV_HEADER,
  createMember,
  importCsv,
  memberBody,
  national,
  PhoneBook,
  succeed,
  walkMembers,
} from './support/roster';
import { boardOf, peopleOn, pressSwitch, waitForAlerts } from './support/security-activations';
import { type Capture, captureOutput, spelledAnyway } from './support/security-logs';
import { waitFor } from './support/wait-for';

/*
 * Issue 5 §4: no full phone number in any log line. The handlers log at DEBUG and log every event
 * they receive (API requests with roster bodies, SNS replies, stream images), and a whole
 * switch-and-reply flow runs while every byte written to stdout and stderr is kept.
 */

const saved = vi.hoisted(() => {
  // Before anything imports the logger: it reads these once, when it is built.
  const before = {
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL,
    POWERTOOLS_LOGGER_LOG_EVENT: process.env.POWERTOOLS_LOGGER_LOG_EVENT,
  };
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
  process.env.POWERTOOLS_LOGGER_LOG_EVENT = 'true';
  return before;
});

const phones = new PhoneBook(6_262);
let api: TestApi;
let admin: Api;
let output: Capture | undefined;
let roster: string[] = [];
let flowReplies = 0;

/** The same number as people type it: with spaces, with dashes, with the country code. */
const NOTATIONS = [
  (n: string) => `+86 ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`,
  (n: string) => `${n.slice(0, 3)}-${n.slice(3, 7)}-${n.slice(7)}`,
  (n: string) => `86${n}`,
  (n: string) => n,
];

const inboundReply = z.object({ accepted: z.literal(true) });

async function sms(from: string, body: string): Promise<void> {
  const reply = await api.anonymous.post('/dev/sms/inbound', { from, body });
  inboundReply.parse(reply.body);
  flowReplies++;
}

beforeAll(async () => {
  output = captureOutput();
  try {
    api = await startTestApi({ seed: 'none', smsRate: 1_000 });
    admin = await api.as(['admin'], ['*'], 'masking-admin');
    await buildCommunity(admin, {
      streetId: 'mk-street',
      communityId: 'mk',
      grids: [{ gridId: 'g1', level: 'red' }, 'g2'],
    });
    // Phones in every notation the API takes, in request bodies the handlers log.
    for (const [i, gridId] of ['g1', 'g1', 'g1', 'g1', 'g2', 'g2', 'g2'].entries()) {
      const write = NOTATIONS[i % NOTATIONS.length] ?? ((n: string) => n);
      await createMember(
        admin,
        'mk',
        memberBody(write(national(phones.next())), {
          name: `队员${i}`,
          gridId,
          roles: [i === 0 || i === 4 ? 'gridLeader' : 'volunteer'],
          partyMember: true,
        }),
      );
    }
    const imported = [phones.next(), phones.next()];
    await succeed(
      'import',
      importCsv(
        admin,
        'mk',
        [CSV_HEADER, ...imported.map((p, i) => `导入${i},${national(p)},volunteer,true,g2,,,true`)].join(
          '\n',
        ),
      ),
    );
    roster = (await walkMembers(admin, 'mk')).items.map((m) => m.phone);

    // The switch, the alerts, the replies (one of each kind, and an opt-out), the stand-down.
    const activation = await pressSwitch(admin, 'mk', { drill: false, kind: 'flood', level: 'IV' });
    const board = await waitForAlerts(admin, activation.activationId);
    const people = peopleOn(board);
    const phoneOf = (i: number) => people[i]?.phone ?? '';
    await sms(phoneOf(0), '1');
    await sms(national(phoneOf(1)), '1 30');
    await sms(phoneOf(2), '不能 在外地');
    await sms(phoneOf(3), '3');
    await sms(phoneOf(4), '你好');
    await sms(phoneOf(5), 'TD');
    await sms(phones.next(), '1');
    await waitFor(
      'the replies on the board',
      async () => {
        const after = await boardOf(admin, activation.activationId);
        return after.counts.confirmed >= 1 && after.counts.arrived === 1 && after.counts.declined === 1
          ? after
          : undefined;
      },
      { timeoutMs: 20_000 },
    );
    await succeed('stand down', admin.post(`/activations/${activation.activationId}/stand-down`));
    await waitFor(
      'the stand-down notices sent',
      async () => {
        const consumer = api.stack.consumer;
        await consumer?.caughtUp();
        await consumer?.caughtUp();
        const inbox = await api.anonymous.get(`/dev/sms/outbox?phone=${encodeURIComponent(phoneOf(0))}`);
        const texts = z.array(z.object({ body: z.string() })).parse(inbox.body);
        return texts.some((m) => m.body.includes('结束')) ? true : undefined;
      },
      { timeoutMs: 20_000 },
    );
  } finally {
    output.stop();
  }
});

afterAll(async () => {
  output?.stop();
  await api?.stop();
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

const captured = () => output?.text() ?? '';
/** A little of the text around a leak, for the failure message. */
const snippet = (text: string, found: string) => {
  const at = text.indexOf(found);
  return text.slice(Math.max(0, at - 80), at + found.length + 20);
};

describe('the logs of a whole switch-and-reply flow', () => {
  it('were captured: structured lines from the API, the stream consumer and the SMS handler', () => {
    const lines = (output?.lines() ?? []).flatMap((line) => {
      try {
        return [z.record(z.string(), z.unknown()).parse(JSON.parse(line))];
      } catch {
        return [];
      }
    });
    const functions = new Set(lines.map((l) => l.function_name));

    expect(flowReplies).toBe(7);
    expect(lines.some((l) => l.level === 'DEBUG' || l.level === 'INFO')).toBe(true);
    expect([...functions]).toEqual(
      expect.arrayContaining([
        'members-create',
        'switch-activate',
        'messaging-stream',
        'messaging-inbound-sms',
      ]),
    );
  });

  it('hold no roster phone number in E.164 or national form', () => {
    const text = captured();

    const leaks = roster.flatMap((phone) =>
      [phone, national(phone)].filter((form) => text.includes(form)).map((form) => snippet(text, form)),
    );

    expect(roster).toHaveLength(9);
    expect(leaks).toEqual([]);
  });

  it('hold no roster phone number written with spaces or dashes either', () => {
    const text = captured();

    const leaks = roster.flatMap((phone) => {
      const found = spelledAnyway(national(phone)).exec(text);
      return found ? [snippet(text, found[0])] : [];
    });

    expect(leaks).toEqual([]);
  });

  it('show the masked forms instead (so the capture saw them)', () => {
    const text = captured();

    const masked = roster.filter((phone) => text.includes(`****${phone.slice(-4)}`));

    expect(masked.length).toBe(roster.length);
  });
});
