import { spawnSync } from 'node:child_process';

/** The one line a newcomer sees when DynamoDB Local cannot run for want of Java. */
export const JAVA_MISSING =
  'Pingji needs Java 17 or later for DynamoDB Local: install a Java runtime ' +
  '(Debian/Ubuntu: apt-get install default-jre-headless; macOS: brew install openjdk) and run this again.';

/** A Java runtime is on the PATH and runs; `undefined` when it is, otherwise the line to print. */
export function javaProblem(): string | undefined {
  const probe = spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 30_000 });
  return probe.error || probe.status !== 0 ? JAVA_MISSING : undefined;
}

/** Thrown by the local runtime when Java is missing; `npm start` prints its message alone. */
export class JavaMissingError extends Error {
  override name = 'JavaMissingError';
  constructor() {
    super(JAVA_MISSING);
  }
}
