import { makeWhistleAnswer } from './whistle-answer';
import { makeWhistleClose } from './whistle-close';
import { type WhistlePorts, whistleContext } from './whistle-context';
import { makeWhistleEscalation } from './whistle-escalate';
import { makeWhistleRaise } from './whistle-raise';
import { makeWhistleReads } from './whistle-view';

/**
 * The whistle (吹哨报到), put together from its parts: raising (`whistle-raise.ts`), answering
 * (`whistle-answer.ts`), widening from the sweep (`whistle-escalate.ts`), closing and a switch's
 * precedence (`whistle-close.ts`), and reading (`whistle-view.ts`).
 */
export function makeWhistleUseCases(ports: WhistlePorts) {
  const ctx = whistleContext(ports);
  return {
    ...makeWhistleRaise(ctx),
    ...makeWhistleReads(ctx),
    ...makeWhistleAnswer(ctx),
    ...makeWhistleClose(ctx),
    ...makeWhistleEscalation(ctx),
  };
}

export type WhistleUseCases = ReturnType<typeof makeWhistleUseCases>;
