import { javaProblem } from './java';

// Run before the suite: without Java the integration tests cannot start DynamoDB Local, so the
// run stops here with one line instead of a wall of failed tests.
const problem = javaProblem();
if (problem) {
  console.error(problem);
  process.exit(1);
}
