// History pages as clients receive them (the JSON body), kept in memory: the newest page of a conversation
// is what every member who opens it reads. A page is the same for every member (no per-reader fields), so
// it is keyed by what it shows and by the versions that would change it:
// - the conversation's newest event id: every change a page shows is an event of its conversation
//   (messages created, edited, deleted; reactions; pins; members and the conversation's own changes);
// - profilesVersion(): a sender's or a notice's person renamed, repictured or deleted (accounts/users.ts).
// An entry whose versions moved is never asked for again and ages out. Everything is dropped when another
// process writes the file or a write the caches saw rolls back (store/row-cache.ts).
import { profilesVersion } from "../accounts/users.ts";
import { registryOf } from "../store/row-cache.ts";
import type { Db } from "../store/store.ts";
import { requireMember } from "./conversations.ts";
import { latestEventIdOf } from "./events.ts";
import { listHistory } from "./message-history.ts";

/** At most this many bytes of pages are held; the oldest go first. */
const MAX_BYTES = 4 * 1024 * 1024;

class Pages {
  private readonly bodies = new Map<string, string>();
  private bytes = 0;

  get(key: string): string | undefined {
    return this.bodies.get(key);
  }

  set(key: string, body: string): void {
    if (body.length > MAX_BYTES / 4) return; // a page that large is rare; keeping it would evict dozens
    while (this.bytes + body.length > MAX_BYTES && this.bodies.size > 0) {
      const oldest = this.bodies.keys().next().value!;
      this.bytes -= this.bodies.get(oldest)!.length;
      this.bodies.delete(oldest);
    }
    this.bodies.set(key, body);
    this.bytes += body.length;
  }

  clear(): void {
    this.bodies.clear();
    this.bytes = 0;
  }
}

const byConnection = new WeakMap<object, Pages>();

function pagesOf(db: Db): Pages {
  const registry = registryOf(db);
  let pages = byConnection.get(registry);
  if (!pages) {
    byConnection.set(registry, (pages = new Pages()));
    registry.register(pages);
  }
  return pages;
}

/**
 * Drops every page held: for writes that add history without an event of their own (an import brings
 * in old messages; the pages' versions would not move).
 */
export function forgetHistoryPages(db: Db): void {
  pagesOf(db).clear();
}

/**
 * The history page as JSON (listHistory's answer), for a current member of the conversation, and the
 * conversation's newest event id: everything the page shows is on disk once that event is.
 */
export function historyPageJson(
  db: Db,
  userId: string,
  conversationId: string,
  page: { before?: string; after?: string; limit: number },
): { body: string; head: number } {
  requireMember(db, conversationId, userId);
  const head = latestEventIdOf(db, conversationId);
  const key = [conversationId, head, profilesVersion(), page.before ?? "", page.after ?? "", page.limit].join("\n");
  const pages = pagesOf(db);
  const held = pages.get(key);
  if (held !== undefined) return { body: held, head };
  const body = JSON.stringify(listHistory(db, userId, conversationId, page));
  pages.set(key, body);
  return { body, head };
}
