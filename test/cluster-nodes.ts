// A cluster in the test process: a real libSQL server (sqld), a real Redis as the bus, a real S3 bucket
// (s3rver), and Parley nodes on loopback ports sharing them (test/cluster*.test.ts).
import type { ConfigInput } from "../src/config/config.ts";
import { startTestServer, type TestServer } from "./harness.ts";
import { haveSqld, startBucket, startRedis, startSqld, type Service } from "./services.ts";

export interface InProcessCluster {
  sqld: Service;
  redis: Service;
  nodes: TestServer[];
  /** One more node on the same engines (not added to `nodes`). */
  startNode(): Promise<TestServer>;
  /** Stops the nodes still in `nodes`, then the engines. */
  stop(): Promise<void>;
}

export async function startCluster(count: number, settings: ConfigInput = {}): Promise<InProcessCluster> {
  if (!haveSqld) throw new Error("sqld is missing: run scripts/install-test-deps.sh");
  const [sqld, redis, bucket] = await Promise.all([startSqld(), startRedis(), startBucket()]);
  const startNode = () =>
    startTestServer({ databaseUrl: sqld.url, busUrl: redis.url, ...bucket.settings, sendThread: "off", ...settings });
  const nodes: TestServer[] = [];
  // One at a time: the first migrates the database.
  for (let i = 0; i < count; i++) nodes.push(await startNode());
  return {
    sqld,
    redis,
    nodes,
    startNode,
    async stop() {
      for (const n of nodes) await n.stop();
      await redis.stop();
      await sqld.stop();
      await bucket.close();
    },
  };
}
