import { JavaMissingError } from './java';
import { DEMO_MACHINE_CLIENTS, DEMO_USERS, optionsFromEnv, startLocalStack } from './stack';

/** `npm start`: the whole service on this machine, until Ctrl-C. */
async function main(): Promise<void> {
  const options = optionsFromEnv();
  console.log('Pingji 平急: starting the local stack…');
  const stack = await startLocalStack(options);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    await stack.stop();
    console.log('stopped; nothing left running.');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const where = options.endpoint
    ? `DynamoDB at ${stack.endpoint}`
    : `DynamoDB Local ${options.inMemory ? 'in memory' : `with data in ${options.dataDir}/dynamodb`}`;
  console.log(`\n  API      ${stack.url}   (table ${stack.tableName}, ${where})`);
  if (stack.seeded) {
    const s = stack.seeded;
    console.log(
      `  Seeded   ${s.communities} communities, ${s.grids} grids, ${s.units} units, ${s.members} members`,
    );
  }
  console.log('\n  Demo tokens (valid 12 h), one per role:');
  for (const user of DEMO_USERS) {
    const token = await stack.auth.mint({
      sub: user.sub,
      groups: user.groups,
      communities: user.communities,
    });
    console.log(`\n  ${user.groups[0]} (${user.communities.join(',')}):\n  ${token}`);
  }
  for (const client of DEMO_MACHINE_CLIENTS) {
    const token = await stack.auth.mint({
      sub: client.sub,
      groups: client.groups,
      communities: client.communities,
    });
    console.log(`\n  Machine client ${client.groups[0]}, for POST /cap/warnings (*):\n  ${token}`);
  }
  console.log(`\n  Try:  curl -H "Authorization: Bearer <token>" ${stack.url}/communities\n`);
}

main().catch((error: unknown) => {
  // A missing Java is the newcomer's problem, not a bug: one line saying what to install.
  if (error instanceof JavaMissingError) console.error(error.message);
  else console.error(error);
  process.exit(1);
});
