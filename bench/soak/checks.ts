import type { SoakDraftee, World } from './world';

/** The dedupe key an outbox message goes out under, as the phone network records it. */
export const dedupeKeyOf = (d: Pick<SoakDraftee, 'pk' | 'sk'>, messageKey: string) =>
  `${d.pk}/${d.sk}/${messageKey}`;

/** What the day did with every alert it owed, each alert counted under exactly one heading. */
export type AlertFigures = {
  /** Owed and never handed to a phone, with no stand-down to excuse it. */
  lost: number;
  /** Handed to a phone while the outbox says it was not (cancelled, failed or still open). */
  deliveredUnrecorded: number;
  /**
   * Queued, never handed over, and cancelled by the stand-down that closed the call-out, which
   * is what stand-down is for (nobody is alerted after it): the alerts of call-outs stood down
   * mid-send, and (`cancelledReserves`) of reserves a sweep called in while replies came in.
   */
  cancelledByStandDown: number;
  cancelledReserves: number;
  /**
   * Plan entries of activations stood down before the plan became draftees: never drafted,
   * never owed an alert (the consumer turns no plan of a closed activation into people).
   */
  neverDrafted: number;
};

/**
 * Sorts every alert the day owed. `fullySent` are the activations whose first wave the soak saw
 * settled (every planned person drafted, no alert queued or being sent) before it stood them down.
 */
export function alertFigures(
  world: World,
  sent: ReadonlyMap<string, number>,
  fullySent: ReadonlySet<string>,
): AlertFigures {
  const figures: AlertFigures = {
    lost: 0,
    deliveredUnrecorded: 0,
    cancelledByStandDown: 0,
    cancelledReserves: 0,
    neverDrafted: 0,
  };
  const drafted = new Set(world.draftees.map((d) => `${d.activationId}/${d.memberId}`));
  for (const [activationId, entries] of world.planEntries) {
    const missing = entries.filter((e) => !drafted.has(`${activationId}/${e.memberId}`)).length;
    // A settled first wave has every planned person drafted; a missing one was dropped.
    if (fullySent.has(activationId)) figures.lost += missing;
    else figures.neverDrafted += missing;
  }
  const planned = new Set(
    [...world.planEntries].flatMap(([activationId, entries]) =>
      entries.map((e) => `${activationId}/${e.memberId}`),
    ),
  );
  for (const d of world.draftees) {
    const alert = d.outbox.alert;
    if (!alert) continue;
    const reachedPhone = (sent.get(dedupeKeyOf(d, 'alert')) ?? 0) > 0;
    if (alert.state === 'sent') {
      if (!reachedPhone) figures.lost++;
      continue;
    }
    if (reachedPhone) {
      figures.deliveredUnrecorded++;
      continue;
    }
    if (alert.state !== 'cancelled') continue; // failed: refused by the network, counted as failed
    // The first wave of a settled activation was seen sent before stand-down: none may be cancelled.
    const settledFirst = fullySent.has(d.activationId);
    const firstWave = planned.has(`${d.activationId}/${d.memberId}`);
    if (d.open || (settledFirst && firstWave)) figures.lost++;
    else if (settledFirst) figures.cancelledReserves++;
    else figures.cancelledByStandDown++;
  }
  return figures;
}
