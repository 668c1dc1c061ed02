import { systemClock, ulidIds } from './adapters/clock';
import { documentClient } from './adapters/dynamo';
import { DynamoMemberRepository } from './adapters/member-repository';
import { DynamoStructureRepository } from './adapters/structure-repository';
import { loadConfig, tableEnv } from './config';

/**
 * The production ports over the table named in `TABLE_NAME`. Called at module scope by each
 * handler, so a missing variable fails the cold start, and the clients are built once.
 */
export function tablePorts() {
  const { TABLE_NAME } = loadConfig(tableEnv);
  const doc = documentClient();
  return {
    structure: new DynamoStructureRepository(doc, TABLE_NAME),
    members: new DynamoMemberRepository(doc, TABLE_NAME),
    clock: systemClock,
    ids: ulidIds,
  };
}
