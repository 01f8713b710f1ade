// What the event loop and the send thread (chat/send-thread.ts, chat/send-worker.ts) say to each other:
// plain data, copied between the threads. Kept apart from both so that the thread loads only this, the
// statements (chat/send-sql.ts) and the search index, not the server.
import type { NewMessageFields } from "./send-sql.ts";

/** One send of words alone, as the event loop checked and built it: what the thread writes. */
export interface SendPlan {
  message: NewMessageFields;
  /** Who it mentions: a user, or everyone (userId null). */
  mentions: { userId: string | null; everyone: boolean }[];
}

/** What became of one plan in the thread's transaction. */
export type SendOutcome =
  | { kind: "created"; seq: number; eventId: number }
  /** Its sender and clientId were already stored: a retry; nothing was written. */
  | { kind: "retry" }
  /** Its statements failed (its savepoint rolled back); the rest of the batch is unaffected. */
  | { kind: "failed"; error: ErrorInfo };

/** An error as it crosses between threads: enough to rebuild it (SQLite's code maps faults to answers). */
export interface ErrorInfo {
  name: string;
  message: string;
  code?: string;
}

/** Work the thread's statements did, added to the store's counters (test/work-budgets.test.ts). */
export interface ThreadWork {
  statements: number;
  rowsRead: number;
}

export type ToThread =
  | { type: "open"; path: string; busyTimeoutMs: number; handshakeMs: number; seen: SharedArrayBuffer }
  /** indexedSeq: where message search's index stands, as committed (the event loop's batches move it too). */
  | { type: "batch"; id: number; plans: SendPlan[]; indexedSeq: number }
  | { type: "certify"; id: number }
  /** The server stops: the connection is closed, then the thread ends. */
  | { type: "close" };

export type FromThread =
  | { type: "opened" }
  | { type: "open-failed"; error: ErrorInfo }
  /** The thread holds the write lock for this batch and waits for the event loop's look before it commits. */
  | { type: "locked"; id: number }
  | {
      type: "committed";
      id: number;
      outcomes: SendOutcome[];
      /** The newest event written, 0 if none. */
      eventHead: number;
      indexedSeq: number;
      /** Conversations whose newest event moved. */
      conversations: string[];
      /** False when the event loop's look did not come in time and the thread committed without it. */
      verified: boolean;
      work: ThreadWork;
    }
  /** Nothing of the batch was committed. */
  | { type: "failed"; id: number; error: ErrorInfo }
  /** foreign: something other than the thread committed since its last commit. */
  | { type: "certified"; id: number; foreign: boolean }
  | { type: "closed" };

export function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, message: err.message, ...(typeof code === "string" ? { code } : {}) };
  }
  return { name: "Error", message: String(err) };
}

/** The error again, on this side: the same name, message and SQLite code. */
export function threadError(info: ErrorInfo): Error {
  const err = new Error(info.message);
  err.name = info.name;
  if (info.code !== undefined) (err as Error & { code: string }).code = info.code;
  return err;
}
