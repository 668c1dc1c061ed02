/**
 * Registers aws-sdk-client-mock-vitest's matchers (`toHaveReceivedCommandWith`, …) and makes them
 * known to TypeScript, for every test file that imports this module.
 *
 * The package's own `extend` entry is used rather than `expect.extend(allCustomMatcher)`: its
 * types are built against @vitest/expect 4.1, while vitest 4.0 ships 4.0, so passing the matchers
 * to `expect.extend` here does not type-check. The entry makes the same `expect.extend` call.
 */
import 'aws-sdk-client-mock-vitest/extend';
