// What a device made of each encrypted message, kept in its vault: the content with where and when it was
// said (for showing it again after a reload, the key backup and searching on this device), or why it could
// not be read. MLS lets a device decrypt a message once: this is the only copy it will have.
import type { MessageView, SenderView } from "../../../src/protocol/views.ts";
import type { MessageContent } from "./payload.ts";
import type { Readable, Vault } from "./ports.ts";

/** A message this device read. */
export interface KeptMessage {
  id: string;
  conversationId: string;
  sender: SenderView;
  createdAt: string;
  content: MessageContent;
}

type Entry = Omit<KeptMessage, "id"> | { unreadable: string };

const key = (messageId: string) => `msg:${messageId}`;

export class KeptMessages {
  constructor(private readonly vault: Vault) {}

  async has(messageId: string): Promise<boolean> {
    return (await this.vault.get(key(messageId))) !== undefined;
  }

  async get(messageId: string): Promise<Readable | undefined> {
    const raw = await this.vault.get(key(messageId));
    if (!raw) return undefined;
    const e = JSON.parse(raw) as Entry;
    return "unreadable" in e ? { ok: false, reason: e.unreadable, retry: false } : { ok: true, content: e.content };
  }

  /** Keeps what reading a message gave; answers the message as kept when it was read. */
  async keep(
    m: Pick<MessageView, "id" | "conversationId" | "sender" | "createdAt">,
    r: Readable,
  ): Promise<KeptMessage | null> {
    if (!r.ok) {
      await this.vault.set({ [key(m.id)]: JSON.stringify({ unreadable: r.reason } satisfies Entry) });
      return null;
    }
    const kept: KeptMessage = {
      id: m.id,
      conversationId: m.conversationId,
      sender: m.sender,
      createdAt: m.createdAt,
      content: r.content,
    };
    await this.put(kept);
    return kept;
  }

  async put(kept: KeptMessage): Promise<void> {
    const { id, ...entry } = kept;
    await this.vault.set({ [key(id)]: JSON.stringify(entry satisfies Entry) });
  }

  /** Every message this device read. */
  async all(): Promise<KeptMessage[]> {
    const out: KeptMessage[] = [];
    for (const [k, raw] of await this.vault.list("msg:")) {
      const e = JSON.parse(raw) as Entry;
      if (!("unreadable" in e)) out.push({ id: k.slice(4), ...e });
    }
    return out;
  }

  /**
   * Messages whose words hold every word asked (in any case, accents aside), newest first: search over
   * encrypted conversations runs here, on what this device read, since the server has no words to search.
   */
  async search(q: string, filter: (m: KeptMessage) => boolean = () => true, limit = 50): Promise<KeptMessage[]> {
    const words = fold(q).split(/\s+/).filter(Boolean);
    if (words.length === 0) return [];
    const found = (await this.all()).filter((m) => {
      const text = fold(m.content.text);
      return filter(m) && words.every((w) => text.includes(w));
    });
    return found.sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
  }
}

/** Lower case without accents, so "Café" finds "cafe". */
export function fold(s: string): string {
  return s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}
