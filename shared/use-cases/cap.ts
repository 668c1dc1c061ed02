import type { ActivationRepository } from '../adapters/activation-repository';
import type { Clock } from '../adapters/clock';
import type { HistoryRepository } from '../adapters/history-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, can, type Principal } from '../domain/access';
import { activationToCap, capFeedOf } from '../domain/cap';
import { NotFoundError } from '../domain/errors';

export type CapOutPorts = {
  activations: ActivationRepository;
  structure: StructureRepository;
  history: HistoryRepository;
  clock: Clock;
  /** The CAP `sender` of our alerts. */
  sender: string;
};

/** How many of a street's latest alerts its feed carries. */
export const FEED_ENTRIES = 20;

/** Activations as CAP 1.2 alerts, for the systems around the community command. */
export function makeCapOutUseCases({ activations, structure, history, clock, sender }: CapOutPorts) {
  return {
    /** The activation as a CAP alert, or the `Cancel` of it once stood down; readable as the board is. */
    async alertOf(principal: Principal, activationId: string): Promise<string> {
      const activation = await activations.get(activationId);
      if (!activation) throw new NotFoundError('activation', activationId);
      authorize(principal, 'board:read', [activation.communityId]);
      const community = await structure.getCommunity(activation.communityId);
      return activationToCap(activation, { sender, areaCode: community?.areaCode });
    },

    /** The street's latest alerts, of the communities the caller may read, as an Atom feed. */
    async streetFeed(principal: Principal, streetId: string): Promise<string> {
      const street = await structure.getStreet(streetId);
      if (!street) throw new NotFoundError('street', streetId);
      const communities = (await structure.listCommunitiesOfStreet(streetId)).filter((c) =>
        can(principal, 'board:read', [c.communityId]),
      );
      if (!communities.length) authorize(principal, 'board:read', [`street:${streetId}`]);
      const page = await history.list(
        communities.map((c) => c.communityId),
        {},
        FEED_ENTRIES,
      );
      return capFeedOf(
        page.items.map((i) => i.activation),
        {
          sender,
          streetId,
          streetName: street.name,
          baseUrl: '',
          now: clock.now().toISOString(),
          areaCodes: new Map(communities.map((c) => [c.communityId, c.areaCode])),
        },
      );
    },
  };
}
