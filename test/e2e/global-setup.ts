import { findChromium } from './support/browser';

/**
 * Finds the browser once for the whole e2e run. The npm Chromium unpacks itself on first use;
 * doing that here, before any test file starts, keeps two files from unpacking it at once.
 */
export default async function setup(): Promise<void> {
  const source = await findChromium();
  process.env.PINGJI_E2E_CHROMIUM_SOURCE = source.kind;
}
