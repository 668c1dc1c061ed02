import type { ActivationRepository } from '../adapters/activation-repository';
import type { StructureRepository } from '../adapters/structure-repository';
import { authorize, type Principal } from '../domain/access';
import { activationToCap } from '../domain/cap';
import { NotFoundError } from '../domain/errors';

export type CapOutPorts = {
  activations: ActivationRepository;
  structure: StructureRepository;
  /** The CAP `sender` of our alerts. */
  sender: string;
};

/** Activations as CAP 1.2 alerts, for the systems around the community command. */
export function makeCapOutUseCases({ activations, structure, sender }: CapOutPorts) {
  return {
    /** The activation as a CAP alert, or the `Cancel` of it once stood down; readable as the board is. */
    async alertOf(principal: Principal, activationId: string): Promise<string> {
      const activation = await activations.get(activationId);
      if (!activation) throw new NotFoundError('activation', activationId);
      authorize(principal, 'board:read', [activation.communityId]);
      const community = await structure.getCommunity(activation.communityId);
      return activationToCap(activation, { sender, areaCode: community?.areaCode });
    },
  };
}
