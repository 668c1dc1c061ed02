import { afterEach, describe, expect, it } from 'vitest';
import { startDynamoDbLocal } from '../../../local/dynamodb-local';
import { JAVA_MISSING, javaProblem } from '../../../local/java';

describe('the Java check before DynamoDB Local', () => {
  const path = process.env.PATH;
  afterEach(() => {
    process.env.PATH = path;
  });

  it('names what to install when no java is on the PATH', () => {
    process.env.PATH = '/nonexistent';
    expect(javaProblem()).toBe(JAVA_MISSING);
    expect(JAVA_MISSING).toMatch(/Java 17/);
  });

  it('stops the start of DynamoDB Local with that one line, before spawning anything', async () => {
    process.env.PATH = '/nonexistent';
    await expect(startDynamoDbLocal({ inMemory: true })).rejects.toThrow(JAVA_MISSING);
  });

  it('finds the java this machine has', () => {
    expect(javaProblem()).toBeUndefined();
  });
});
