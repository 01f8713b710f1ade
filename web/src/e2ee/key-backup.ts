// A device's side of the key backup (backup-key.ts has the keys): setting it up, taking a recovery key typed
// in, sealing what the device reads into the backup (backupLater), and reading earlier history back from it.
import type { Transport, Vault, Readable } from "./ports.ts";
import type { KeptMessage, KeptMessages } from "./kept-messages.ts";
import {
  deriveBackupKey,
  newRecoveryKey,
  openEntry,
  parseRecoveryKey,
  sealEntry,
  type BackupKey,
} from "./backup-key.ts";

export class KeyBackup {
  private key: BackupKey | null = null;
  /** Read messages not yet in the backup, and the upload of them under way. */
  private pending: KeptMessage[] = [];
  private uploading: Promise<void> = Promise.resolve();

  constructor(
    private readonly userId: string,
    private readonly vault: Vault,
    private readonly api: Transport,
    private readonly kept: KeptMessages,
    private readonly onReadable: (messageId: string, r: Readable) => void,
  ) {}

  /** Takes the key kept on this device, if it has one. */
  async load(): Promise<void> {
    const recovery = await this.vault.get(`backup:${this.userId}`);
    const bytes = recovery ? parseRecoveryKey(recovery) : null;
    this.key = bytes ? await deriveBackupKey(bytes) : null;
  }

  get ready(): boolean {
    return this.key !== null;
  }

  /** A message read: into the backup with the next backupLater. */
  add(m: KeptMessage): void {
    if (this.key) this.pending.push(m);
  }

  /**
   * Sets up the backup under a new recovery key (replacing an older backup) and puts in it everything this
   * device has read; answers the recovery key, for the person to keep.
   */
  async setUp(): Promise<string> {
    const recovery = newRecoveryKey();
    const k = await deriveBackupKey(parseRecoveryKey(recovery)!);
    await this.api.call("PUT", "/e2ee/backup", { check: k.check });
    await this.vault.set({ [`backup:${this.userId}`]: recovery });
    this.key = k;
    this.pending.push(...(await this.kept.all()));
    await this.backupLater();
    return recovery;
  }

  /**
   * Lets something else unlock the backup too (a passkey's PRF output wrapping the recovery key): `wrap`
   * answers the entry to keep; the server stores it with the others, opaque.
   */
  async protect(wrap: (recovery: string) => Promise<[string, string]>): Promise<void> {
    const recovery = await this.vault.get(`backup:${this.userId}`);
    if (!recovery || !this.key) throw new Error("This device has no key backup to protect.");
    const [name, data] = await wrap(recovery);
    const { backup } = await this.api.call<{ backup: { wrapped: Record<string, string> } }>("GET", "/e2ee/backup");
    await this.api.call("PUT", "/e2ee/backup", { check: this.key.check, wrapped: { ...backup.wrapped, [name]: data } });
  }

  /** Unlocks the backup with what `unwrap` gives back from its wrapped entries, then reads the history. */
  async unlock(unwrap: (wrapped: Record<string, string>) => Promise<string>, conversationIds: string[]): Promise<void> {
    const { backup } = await this.api.call<{ backup: { wrapped: Record<string, string> } }>("GET", "/e2ee/backup");
    await this.useRecoveryKey(await unwrap(backup.wrapped), conversationIds);
  }

  /**
   * A recovery key typed in: checked against the server's check value (a mistyped key is refused, never used
   * to write), kept, then used to read the earlier history of these conversations.
   */
  async useRecoveryKey(typed: string, conversationIds: string[]): Promise<void> {
    const bytes = parseRecoveryKey(typed);
    if (!bytes) throw new Error("A recovery key is 52 letters and digits.");
    const k = await deriveBackupKey(bytes);
    const { backup } = await this.api.call<{ backup: { check: string } }>("GET", "/e2ee/backup");
    if (backup.check !== k.check) throw new Error("That is not your recovery key.");
    await this.vault.set({ [`backup:${this.userId}`]: typed.toUpperCase().replace(/[\s-]/g, "") });
    this.key = k;
    for (const id of conversationIds) await this.restore(id);
  }

  /** A conversation's earlier messages from the backup, for those this device could not read itself. */
  private async restore(conversationId: string): Promise<void> {
    let before = "";
    for (;;) {
      const page = await this.api.call<{ entries: { messageId: string; data: string }[]; more: boolean }>(
        "GET",
        `/e2ee/backup/entries?conversationId=${encodeURIComponent(conversationId)}&limit=200${before}`,
      );
      for (const e of page.entries) {
        if ((await this.kept.get(e.messageId))?.ok) continue;
        const opened = await openEntry(this.key!, e.messageId, e.data);
        if (!opened) continue;
        const m = JSON.parse(opened) as KeptMessage;
        await this.kept.put({ ...m, id: e.messageId });
        this.onReadable(e.messageId, { ok: true, content: m.content });
      }
      if (!page.more || page.entries.length === 0) return;
      before = `&before=${encodeURIComponent(page.entries.at(-1)!.messageId)}`;
    }
  }

  /**
   * Puts what was read since the last time into the backup, sealed under its key. Failures are logged and
   * the entries kept for the next time; the promise (awaited by tests) settles either way.
   */
  backupLater(): Promise<void> {
    if (!this.key || this.pending.length === 0) return this.uploading;
    const k = this.key;
    const batch = this.pending.splice(0);
    this.uploading = this.uploading.then(async () => {
      try {
        for (let i = 0; i < batch.length; i += 200) {
          const entries = await Promise.all(
            batch
              .slice(i, i + 200)
              .map(async (m) => ({ messageId: m.id, data: await sealEntry(k, m.id, JSON.stringify(m)) })),
          );
          await this.api.call("POST", "/e2ee/backup/entries", { entries });
        }
      } catch (err) {
        console.warn("key backup: backupLater failed; will try again", err);
        this.pending.unshift(...batch);
      }
    });
    return this.uploading;
  }
}
