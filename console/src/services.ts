import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { Session } from './auth';
import type { RuntimeConfig } from './config';

/** Someone whose simulated phone can be opened. */
export type Person = { name: string; phone: string };

/** What every page needs: the API, who is signed in, the config, and a way to speak up. */
export type AppServices = {
  api: Api;
  session: Session;
  config: RuntimeConfig;
  /** Announces a short message in the live region. */
  notify(message: string): void;
  /** Opens the simulated phone of a person (local stack only). */
  openPhone(person: Person): void;
};

export const Services = createContext<AppServices | undefined>(undefined);

export function useServices(): AppServices {
  const services = useContext(Services);
  if (!services) throw new Error('useServices outside the signed-in app');
  return services;
}
