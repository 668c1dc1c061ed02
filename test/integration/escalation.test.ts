import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ActivationView,
  type Board,
  containing,
  inbox,
  named,
  onBoard,
  type Person,
  placed,
  quiet,
  readBoard,
  recount,
  rosterCommunity,
  SMS,
  send,
  standDown,
  switchOn,
  waitForBoard,
  waitForInbox,
  waitUntilAlerted,
} from './support/check-in-world';
import { type Client, startTestApi, type TestApi } from './support/local-api';
import { PhoneBook } from './support/roster';

// The timer reads these when its handler is first loaded, which starting the stack does.
process.env.PINGJI_REALERT_AFTER_SECONDS = '2';
process.env.PINGJI_NO_RESPONSE_AFTER_SECONDS = '4';

const GRID = 'es1';
const TEAM_NAME = `${GRID}网格先锋队`;

let api: TestApi;
let admin: Client;
let officer: Client;
let people: Map<string, Person>;

beforeAll(async () => {
  api = await startTestApi({ consumer: true, smsRate: 200, sweepSeconds: 1 });
  admin = await api.as(['admin'], ['*']);
  officer = await api.as(['dutyOfficer'], ['escalate'], 'officer-esc');
  people = await rosterCommunity(admin, new PhoneBook(77), {
    streetId: 'escalation-st',
    communityId: 'escalate',
    // Level IV in a green grid: a team of 3 (the leader and two more); the other four are reserves.
    grids: [{ gridId: GRID, level: 'green', people: [{ name: 'E0' }, ...named('e', 6)] }],
  });
});
afterAll(async () => {
  await api?.stop();
});

const personOf = (memberId: string): Person => {
  const found = [...people.values()].find((p) => p.memberId === memberId);
  if (!found) throw new Error(`no person with member id ${memberId}`);
  return found;
};

describe('chasing silence and filling the gaps, from the switch to the stand-down', () => {
  it('reminds once, marks noResponse, backfills from the reserves, tells the leader and stands down', async () => {
    // Arrange: the switch, and the first answers.
    const activation: ActivationView = await switchOn(officer, 'escalate', { kind: 'flood', level: 'IV' });
    const team = activation.teams[0];
    if (!team?.leaderId) throw new Error('the team has no leader');
    const leader = personOf(team.leaderId);
    const [decliner, silent] = team.memberIds.filter((id) => id !== team.leaderId).map(personOf);
    if (!decliner || !silent) throw new Error('the team is smaller than three');
    await waitUntilAlerted(officer, activation.activationId);
    await send(api, leader.phone, '1');
    await send(api, decliner.phone, '2 出差');

    // Act: the timer runs every second; each reserve answers as soon as their alert arrives.
    const firstReserve = await waitForBoard(
      officer,
      activation.activationId,
      'a reserve for the decliner',
      (b) => placed(b).some((m) => m.source === 'reserve'),
    );
    const yes = placed(firstReserve).find((m) => m.source === 'reserve');
    if (!yes) throw new Error('no reserve');
    await waitForInbox(api, personOf(yes.memberId).phone, 'the first reserve’s alert', (m) => m.length > 0);
    await send(api, personOf(yes.memberId).phone, '1');
    const secondReserve = await waitForBoard(
      officer,
      activation.activationId,
      'a reserve for the silent one',
      (b) => placed(b).filter((m) => m.source === 'reserve').length === 2,
    );
    const there = placed(secondReserve).find((m) => m.source === 'reserve' && m.memberId !== yes.memberId);
    if (!there) throw new Error('no second reserve');
    await waitForInbox(
      api,
      personOf(there.memberId).phone,
      'the second reserve’s alert',
      (m) => m.length > 0,
    );
    await send(api, personOf(there.memberId).phone, '3');
    const beforeStandDown: Board = await waitForBoard(
      officer,
      activation.activationId,
      'the silent one marked noResponse and both reserves answered',
      (b) =>
        placed(b).every((m) => m.alertedAt !== undefined) &&
        onBoard(b, silent.memberId).status === 'noResponse' &&
        onBoard(b, yes.memberId).status === 'confirmed' &&
        onBoard(b, there.memberId).status === 'arrived',
    );
    await waitForInbox(
      api,
      leader.phone,
      'the shortfall SMS',
      (m) => containing(m, SMS.shortfall).length > 0,
    );
    await quiet(api);
    const silentInbox = await inbox(api, silent.phone);
    const leaderInbox = await inbox(api, leader.phone);
    const reserveAlerts = [
      ...containing(await inbox(api, personOf(yes.memberId).phone), SMS.alert),
      ...containing(await inbox(api, personOf(there.memberId).phone), SMS.alert),
    ];
    // Silence is not final: the one given up on can still come.
    await send(api, silent.phone, '1');
    const afterLateYes = await readBoard(officer, activation.activationId);

    await standDown(officer, activation.activationId);
    const alertedBefore = placed(beforeStandDown).filter((m) => m.alertedAt !== undefined);
    await Promise.all(
      alertedBefore.map((m) =>
        waitForInbox(
          api,
          personOf(m.memberId).phone,
          `the stand-down notice to ${m.name}`,
          (all) => containing(all, SMS.standDown).length + containing(all, SMS.notNeeded).length > 0,
        ),
      ),
    );
    await quiet(api);
    const notices = await Promise.all(
      alertedBefore.map(async (m) => ({
        memberId: m.memberId,
        received: await inbox(api, personOf(m.memberId).phone),
      })),
    );
    const after = await readBoard(officer, activation.activationId);

    // Assert: silence chased once, then given up on.
    expect(containing(silentInbox, SMS.reminder)).toHaveLength(1);
    expect(silentInbox.map((m) => (m.body.includes(SMS.reminder) ? 'reminder' : 'other'))).toEqual([
      'other',
      'reminder',
    ]);
    expect(containing(await inbox(api, decliner.phone), SMS.reminder)).toEqual([]);
    expect(containing(leaderInbox, SMS.reminder)).toEqual([]);
    // The two gaps filled from the reserves, who were told they join the team.
    const reserves = placed(beforeStandDown).filter((m) => m.source === 'reserve');
    expect(reserves.map((m) => m.memberId).sort()).toEqual([yes.memberId, there.memberId].sort());
    expect(reserveAlerts).toHaveLength(2);
    for (const alert of reserveAlerts) {
      expect(alert.body).toContain(SMS.backfill);
      expect(alert.body).toContain(TEAM_NAME);
    }
    const board = beforeStandDown.teams[0];
    expect(board?.counts).toMatchObject({ drafted: 5, confirmed: 2, declined: 1, arrived: 1, noResponse: 1 });
    expect(board?.counts).toEqual(recount(board?.members ?? []));
    expect(board?.shortfall).toBe(0);
    const late = afterLateYes.teams[0];
    expect(onBoard(afterLateYes, silent.memberId).status).toBe('confirmed');
    expect(late?.counts).toMatchObject({ drafted: 5, confirmed: 3, noResponse: 0 });
    expect(late?.counts).toEqual(recount(late?.members ?? []));
    // The leader heard what was missing.
    const shortfalls = containing(leaderInbox, SMS.shortfall);
    expect(shortfalls.length).toBeGreaterThan(0);
    expect(shortfalls[0]?.body).toContain(`${TEAM_NAME}尚缺0人，已从后备补入1人`);
    // At stand-down: everyone alerted is told it is over, except the reserve who said yes and
    // was never needed, who is thanked instead.
    expect(after.status).toBe('stoodDown');
    expect(alertedBefore).toHaveLength(5);
    for (const { memberId, received } of notices) {
      const standDowns = containing(received, SMS.standDown).length;
      const notNeeded = containing(received, SMS.notNeeded).length;
      expect({ memberId, standDowns, notNeeded }).toEqual(
        memberId === yes.memberId
          ? { memberId, standDowns: 0, notNeeded: 1 }
          : { memberId, standDowns: 1, notNeeded: 0 },
      );
    }
  });
});
