// Prints the suite's totals as one plain line, "N passed, N failed", from vitest's JSON report.
// When the run stopped before the tests (typecheck or lint failed), that failure counts as one.
import { existsSync, readFileSync } from 'node:fs';

const status = Number(process.argv[2] ?? 0);
const file = 'test-results/vitest.json';
let passed = 0;
let failed = 0;
if (existsSync(file)) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTests ?? 0);
  if (status !== 0 && failed === 0) failed = 1;
} else if (status !== 0) {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
