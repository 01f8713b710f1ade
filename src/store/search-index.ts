// Message search's full-text index (messages_fts, migrations/0008 and 0010) is filled here, in bulk, as
// the last statements of every transaction: what a transaction inserted is searchable the moment it
// commits, as with the per-row trigger it replaces, at a twentieth of the cost (one INSERT … SELECT per
// group commit instead of one trigger run per message: docs/performance.md).
import type { Database } from "bun:sqlite";

export class SearchIndex {
  /** seq of the newest message in the index, as committed. */
  private indexed: number;
  /** What this transaction has brought it to, once it commits. */
  private pending: number | null = null;

  constructor(private readonly sqlite: Database) {
    this.indexed = this.readProgress();
  }

  private readProgress(): number {
    return (
      this.sqlite.query<{ n: number }, []>("SELECT indexed_seq AS n FROM search_progress WHERE id = 1").get()?.n ?? 0
    );
  }

  /**
   * Indexes every message newer than the index, inside the current transaction. One statement when there
   * is nothing new (the newest seq is the end of the table's b-tree); three when there is.
   */
  catchUp(): void {
    const top = this.sqlite.query<{ n: number | null }, []>("SELECT max(seq) AS n FROM messages").get()?.n ?? 0;
    const from = this.pending ?? this.indexed;
    if (top <= from) return;
    this.sqlite
      .query(
        `INSERT INTO messages_fts(rowid, text, conversation_id)
           SELECT seq, text, conversation_id FROM messages WHERE seq > ?1 AND seq <= ?2 AND deleted_at IS NULL`,
      )
      .run(from, top);
    this.sqlite.query("UPDATE search_progress SET indexed_seq = ?1 WHERE id = 1").run(top);
    this.pending = top;
  }

  /** seq of the newest message in the index, as committed. */
  indexedSeq(): number {
    return this.indexed;
  }

  /**
   * Another connection of this process indexed up to seq and committed (the send thread and the event
   * loop take turns through the write queue, each telling the other where the index stands).
   */
  advancedElsewhere(seq: number): void {
    this.pending = null;
    this.indexed = seq;
  }

  committed(): void {
    if (this.pending !== null) this.indexed = this.pending;
    this.pending = null;
  }

  /** Another node may have indexed since: read where the index stands (inside the transaction about to write). */
  reload(): void {
    this.pending = null;
    this.indexed = this.readProgress();
  }

  rolledBack(): void {
    this.pending = null;
    this.indexed = this.readProgress();
  }
}
