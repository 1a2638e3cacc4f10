/** A local DynamoDB (dynalite, in memory, on loopback) with the guardrail's table, for tests. */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  readonly client: DynamoDBDocumentClient;
  readonly table: string;
  close(): Promise<void>;
}

let tables = 0;

export async function localDynamo(): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const raw = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const table = `stormguard-test-${++tables}`;
  // The construct's key schema: pk and sk, strings.
  await raw.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  // dynalite creates a table asynchronously even at createTableMs 0: on a busy machine a write can
  // land while it is still CREATING and be told the table does not exist.
  while ((await raw.send(new DescribeTableCommand({ TableName: table }))).Table?.TableStatus !== 'ACTIVE') {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return {
    client: DynamoDBDocumentClient.from(raw),
    table,
    close: () =>
      new Promise<void>((resolve) => {
        raw.destroy();
        server.close(() => resolve());
      }),
  };
}
