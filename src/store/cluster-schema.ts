// The tables only several nodes need (store/remote/): the cluster's write clock and the leases that keep one
// of each background job running in the whole cluster. A single node creates them too (one schema for both
// modes, so a database can move from one to the other) and never writes them.
import { integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * One row whose version every transaction of a node moves by one, first thing after BEGIN. A node that gets
 * anything but the number after its own last one knows another node committed in between, and clears its
 * row caches before reading through them (store/remote/remote-store.ts): the caches stay exact with no
 * message between nodes, and the bus only makes reads outside transactions catch up sooner.
 */
export const clusterClock = sqliteTable("cluster_clock", {
  id: integer("id").primaryKey(),
  version: integer("version").notNull(),
});

/**
 * Who runs a cluster-wide background job (push sending, backups, sweeps) until when. A node renews its
 * leases well before they end; a lease not renewed (its holder died) is taken by another node.
 */
export const leases = sqliteTable("leases", {
  name: text("name").primaryKey(),
  holder: text("holder").notNull(),
  expiresAt: integer("expires_at").notNull(),
});
