// Exports: a person's own data (what they may see: their account, the conversations they are in, those
// conversations' messages and files), or the whole instance for an admin. One tar archive with data.json
// (for programs), files/ and index.html (a static page that opens in any browser, offline, with no script).
import { escapeHtml } from "../lib/html.ts";
import { asc, eq, inArray, isNull, and } from "drizzle-orm";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { getInstanceSettings } from "../accounts/instance-settings.ts";
import { toAccountView, toPublicUser } from "../accounts/users.ts";
import type { FileStore } from "../files/file-store.ts";
import { AppError } from "../lib/errors.ts";
import { randomToken } from "../lib/ids.ts";
import type { Logger } from "../lib/log.ts";
import { toIso } from "../lib/time.ts";
import { attachments, conversations, members, messages, users } from "../store/schema.ts";
import type { Db } from "../store/store.ts";
import { TarWriter } from "./tar.ts";
import { formatSize } from "../protocol/sizes.ts";

export type ExportScope = { kind: "user"; userId: string } | { kind: "instance" };

interface FileEntry {
  path: string;
  key: string;
  size: number;
}

/** What goes into the archive, read in one go from the database. */
function collect(db: Db, scope: ExportScope) {
  const convRows =
    scope.kind === "user"
      ? db
          .select({ c: conversations })
          .from(members)
          .innerJoin(conversations, eq(members.conversationId, conversations.id))
          .where(eq(members.userId, scope.userId))
          .all()
          .map((r) => r.c)
      : db.select().from(conversations).all();
  const convIds = convRows.map((c) => c.id);
  const memberRows = convIds.length
    ? db.select().from(members).where(inArray(members.conversationId, convIds)).all()
    : [];
  const messageRows = convIds.length
    ? db
        .select()
        .from(messages)
        .where(and(inArray(messages.conversationId, convIds), isNull(messages.deletedAt)))
        .orderBy(asc(messages.seq))
        .all()
    : [];
  const attachmentRows = convIds.length
    ? db.select().from(attachments).where(inArray(attachments.conversationId, convIds)).all()
    : [];
  const userIds = new Set([...memberRows.map((m) => m.userId), ...messageRows.map((m) => m.senderId)]);
  if (scope.kind === "user") userIds.add(scope.userId);
  const userRows =
    scope.kind === "instance"
      ? db.select().from(users).all()
      : userIds.size
        ? db
            .select()
            .from(users)
            .where(inArray(users.id, [...userIds]))
            .all()
        : [];
  return { convRows, memberRows, messageRows, attachmentRows, userRows };
}

function renderHtml(
  title: string,
  exportedAt: string,
  convs: {
    title: string;
    members: string[];
    messages: { sender: string; at: string; text: string; files: { name: string; path: string; size: number }[] }[];
  }[],
): string {
  const parts: string[] = [];
  parts.push(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`,
  );
  parts.push(
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self'">`,
  );
  parts.push(`<title>${escapeHtml(title)}</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:860px;margin:0 auto;padding:16px;color:#1f2937;background:#f9fafb}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2em;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
nav a{display:block}.m{margin:6px 0;padding:6px 10px;background:#fff;border-radius:8px}.who{font-weight:600}.at{color:#6b7280;font-size:.8rem;margin-left:8px}
.t{white-space:pre-wrap}.f a{font-size:.9rem}@media (prefers-color-scheme:dark){body{background:#111827;color:#e5e7eb}.m{background:#1f2937}}
</style></head><body>`);
  parts.push(
    `<h1>${escapeHtml(title)}</h1><p>Exported ${escapeHtml(exportedAt)}. ${convs.length} conversations.</p><nav>`,
  );
  convs.forEach((c, i) => parts.push(`<a href="#c${i}">${escapeHtml(c.title)}</a>`));
  parts.push(`</nav>`);
  convs.forEach((c, i) => {
    parts.push(`<h2 id="c${i}">${escapeHtml(c.title)}</h2><p>${escapeHtml(c.members.join(", "))}</p>`);
    for (const m of c.messages) {
      parts.push(
        `<div class="m"><span class="who">${escapeHtml(m.sender)}</span><span class="at">${escapeHtml(m.at)}</span><div class="t">${escapeHtml(m.text)}</div>`,
      );
      for (const f of m.files)
        parts.push(
          `<div class="f"><a href="${escapeHtml(f.path)}">📎 ${escapeHtml(f.name)}</a> (${formatSize(f.size)})</div>`,
        );
      parts.push(`</div>`);
    }
  });
  parts.push(`</body></html>`);
  return parts.join("\n");
}

/** What an export says in place of an end-to-end encrypted message. */
export const ENCRYPTED_NOTE =
  "[End-to-end encrypted: readable only on the members' devices, not by the server or its exports.]";

/** Writes the archive to `out`, reporting progress in bytes written of the total expected. */
export async function writeExport(
  db: Db,
  files: FileStore,
  scope: ExportScope,
  out: string,
  progress: (done: number, total: number) => void = () => {},
): Promise<void> {
  const { convRows, memberRows, messageRows, attachmentRows, userRows } = collect(db, scope);
  const usersById = new Map(userRows.map((u) => [u.id, u]));
  const name = (id: string) => usersById.get(id)?.displayName ?? "Unknown";
  const filesByMessage = new Map<string, typeof attachmentRows>();
  for (const a of attachmentRows)
    if (a.messageId) filesByMessage.set(a.messageId, [...(filesByMessage.get(a.messageId) ?? []), a]);
  const fileEntries: FileEntry[] = [];
  const fileOf = (a: (typeof attachmentRows)[number]) => {
    const ext = (/\.([A-Za-z0-9]{1,8})$/.exec(a.name)?.[1] ?? "bin").toLowerCase();
    const path = `files/${a.id}.${ext}`;
    if (a.storageKey) fileEntries.push({ path, key: a.storageKey, size: a.size });
    return { name: a.name, type: a.type, size: a.size, path };
  };
  const titleOf = (c: (typeof convRows)[number]) => {
    if (c.title) return c.title;
    const others = memberRows
      .filter((m) => m.conversationId === c.id && (scope.kind !== "user" || m.userId !== scope.userId))
      .map((m) => name(m.userId));
    return others.join(", ") || "Direct conversation";
  };
  const exportedAt = new Date().toISOString();
  const data = {
    format: "parley-export/1",
    exportedAt,
    instance: { name: getInstanceSettings(db).instanceName },
    ...(scope.kind === "user"
      ? { account: toAccountView(usersById.get(scope.userId)!) }
      : { users: userRows.map(toAccountView) }),
    people: scope.kind === "user" ? userRows.map(toPublicUser) : undefined,
    conversations: convRows.map((c) => ({
      id: c.id,
      type: c.type,
      title: titleOf(c),
      description: c.description,
      createdAt: toIso(c.createdAt),
      members: memberRows
        .filter((m) => m.conversationId === c.id)
        .map((m) => ({ userId: m.userId, role: m.role, joinedAt: toIso(m.joinedAt) })),
      messages: messageRows
        .filter((m) => m.conversationId === c.id)
        .map((m) => ({
          id: m.id,
          senderId: m.senderId,
          sender: name(m.senderId),
          text: m.ciphertext === null ? m.text : ENCRYPTED_NOTE,
          // End-to-end encrypted: the server cannot read it, so the export cannot either (nor its files).
          encrypted: m.ciphertext !== null,
          createdAt: toIso(m.createdAt),
          editedAt: toIso(m.editedAt),
          replyToId: m.replyToId,
          threadRootId: m.threadRootId,
          attachments: m.ciphertext === null ? (filesByMessage.get(m.id) ?? []).map(fileOf) : [],
        })),
    })),
  };
  const html = renderHtml(
    `${data.instance.name}: ${scope.kind === "user" ? `${name(scope.userId)}'s conversations` : "everything"}`,
    exportedAt,
    data.conversations.map((c) => ({
      title: c.title,
      members: c.members.map((m) => name(m.userId)),
      messages: c.messages.map((m) => ({
        sender: m.sender,
        at: m.createdAt ?? "",
        text: m.text,
        files: m.attachments,
      })),
    })),
  );
  const encoder = new TextEncoder();
  const json = encoder.encode(JSON.stringify(data, null, 2));
  const page = encoder.encode(html);
  const total = json.length + page.length + fileEntries.reduce((n, f) => n + f.size, 0);
  let done = 0;
  const tar = new TarWriter(out);
  const add = async (path: string, bytes: Uint8Array) => {
    await tar.add(path, bytes);
    done += bytes.length;
    progress(done, total);
  };
  try {
    await add("data.json", json);
    await add("index.html", page);
    for (const f of fileEntries) {
      const blob = files.blob(f.key) as Blob & { exists(): Promise<boolean> };
      // A file gone from the store is left out, as before; the rest of the archive is still worth having.
      if (!(await blob.exists().catch(() => false))) continue;
      await tar.addBlob(f.path, blob, f.size);
      done += f.size;
      progress(done, total);
    }
    await tar.finish();
  } finally {
    tar.discard();
  }
}

export interface ExportJobView {
  id: string;
  scope: "user" | "instance";
  status: "running" | "done" | "failed";
  done: number;
  total: number;
  downloadUrl: string | null;
}

/** Exports running or ready in this process; archives are deleted an hour after they are made. */
export class Exports {
  private readonly jobs = new Map<string, ExportJobView & { ownerId: string; path: string; createdAt: number }>();
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly db: Db,
    private readonly files: FileStore,
    private readonly log: Logger,
  ) {
    this.dir = join(dataDir, "exports");
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  start(ownerId: string, scope: ExportScope): ExportJobView {
    this.sweep();
    // Asking again while one is being written gives that one (a double click makes one archive).
    const running = [...this.jobs.values()].find(
      (j) => j.ownerId === ownerId && j.scope === scope.kind && j.status === "running",
    );
    if (running) return this.view(running);
    const id = randomToken(16);
    const job = {
      id,
      ownerId,
      scope: scope.kind,
      status: "running" as const,
      done: 0,
      total: 0,
      downloadUrl: null,
      path: join(this.dir, `${id}.tar`),
      createdAt: Date.now(),
    };
    this.jobs.set(id, job);
    // Off the request: a large export keeps writing while the client watches its progress.
    setTimeout(() => {
      writeExport(this.db, this.files, scope, job.path, (done, total) => Object.assign(job, { done, total })).then(
        () => Object.assign(job, { status: "done", downloadUrl: `/api/v1/exports/${id}/download` }),
        (err) => {
          this.log.error("export failed", { err });
          Object.assign(job, { status: "failed" });
        },
      );
    }, 0);
    return this.view(job);
  }

  /** A job of mine; anyone else's looks like none. */
  get(ownerId: string, id: string): ExportJobView & { path: string } {
    const job = this.jobs.get(id);
    if (!job || job.ownerId !== ownerId) throw new AppError("NOT_FOUND", "No such export.");
    return { ...this.view(job), path: job.path };
  }

  private view(j: ExportJobView): ExportJobView {
    return { id: j.id, scope: j.scope, status: j.status, done: j.done, total: j.total, downloadUrl: j.downloadUrl };
  }

  private sweep(): void {
    const hourAgo = Date.now() - 3600_000;
    for (const [id, j] of this.jobs) {
      if (j.createdAt < hourAgo && j.status !== "running") {
        rmSync(j.path, { force: true });
        this.jobs.delete(id);
      }
    }
  }
}
