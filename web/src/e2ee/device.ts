// One device's end-to-end encryption, over Parley's delivery service (docs/e2ee.md): registers the device,
// keeps KeyPackages waiting, creates and joins groups, follows their Commits in the order the server
// accepted them, commits the adds and removes that membership asks for, and encrypts and decrypts messages.
// Storage (a Vault) and the server (a Transport) are given to it: the web app passes IndexedDB and fetch,
// the tests an in-memory vault and their own client, so both run this same code.
import type { EventView, MessageView, MlsGroupView } from "../../../src/protocol/views.ts";
import {
  applyCommit,
  commitChanges,
  decodeOwnKeyPackage,
  decrypt,
  encodeOwnKeyPackage,
  encrypt,
  epochOf,
  fromBase64,
  groupMembers,
  joinFromWelcome,
  loadState,
  newKeyPackages,
  newSignatureKeys,
  saveState,
  startGroup,
  toBase64,
  UndecryptableError,
  type DeviceKeys,
  type GroupState,
} from "./mls.ts";
import { ForgedError, openContent, sealContent, type MessageContent } from "./payload.ts";
import { KeptMessages } from "./kept-messages.ts";
import { KeyBackup } from "./key-backup.ts";

import { ApiError, type Readable, type Transport, type Vault } from "./ports.ts";
export { ApiError, type Readable, type Transport, type Vault };

/** Refusals that mean another device changed the group first. */
const LOST_RACE = new Set(["MLS_STALE_EPOCH", "DEVICE_NOT_FOUND"]);

/** Keep this many KeyPackages waiting on the server; make more when fewer are left. */
const KEY_PACKAGES_TARGET = 20;
const KEY_PACKAGES_LOW = 8;

interface GroupRecord {
  /** The group's state, base64 (mls.ts saveState). */
  state: string;
  /** The last event of the conversation's log this device processed. */
  cursor: number;
}

/** Whose device, its name in device lists, where it keeps things and how it reaches the server. */
export interface DeviceOptions {
  userId: string;
  name: string;
  vault: Vault;
  api: Transport;
  /** Told when a message's content (or why it cannot be read) is known. */
  onReadable?: (messageId: string, r: Readable) => void;
}

export class E2eeDevice {
  private queues = new Map<string, Promise<unknown>>();
  /** What this device read (its only copy: MLS decrypts a message once). */
  readonly kept: KeptMessages;
  /** The key backup, once this device has its key (set up here, or a recovery key typed in). */
  readonly backup: KeyBackup;

  private constructor(
    readonly keys: DeviceKeys,
    private readonly vault: Vault,
    private readonly api: Transport,
    /** Told when a message's content (or why it cannot be read) is known. */
    private readonly onReadable: (messageId: string, r: Readable) => void,
  ) {
    this.kept = new KeptMessages(vault);
    this.backup = new KeyBackup(keys.userId, vault, api, this.kept, onReadable);
  }

  /** This browser's device: the one kept in the vault if the server still has it, else a new one. */
  static async open(options: DeviceOptions): Promise<E2eeDevice> {
    const { vault, api, userId } = options;
    const saved = await vault.get(`device:${userId}`);
    if (saved) {
      const o = JSON.parse(saved) as { deviceId: string; signKey: string; publicKey: string };
      const device = new E2eeDevice(
        { userId, deviceId: o.deviceId, signKey: fromBase64(o.signKey), publicKey: fromBase64(o.publicKey) },
        vault,
        api,
        options.onReadable ?? (() => {}),
      );
      await device.backup.load();
      let mine: { devices: { id: string; keyPackages?: number }[] };
      try {
        mine = await api.call("GET", "/e2ee/devices");
      } catch (err) {
        // No server (offline): this device as kept still shows what it read; it syncs once back.
        if (!(err instanceof ApiError) || err.code === "OFFLINE") return device;
        throw err;
      }
      const found = mine.devices.find((d) => d.id === o.deviceId);
      if (found) {
        if ((found.keyPackages ?? 0) < KEY_PACKAGES_LOW) await device.replenish();
        return device;
      }
    }
    return E2eeDevice.register(options);
  }

  private static async register(options: DeviceOptions): Promise<E2eeDevice> {
    const pair = await newSignatureKeys();
    // The device names itself (its KeyPackages carry the id, so it must be known before they are made):
    // 128 random bits, which the server only checks for form and uniqueness.
    const device = {
      id: [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join(""),
    };
    const keys: DeviceKeys = { userId: options.userId, deviceId: device.id, ...pair };
    const made = await newKeyPackages(keys, KEY_PACKAGES_TARGET);
    await options.api.call("POST", "/e2ee/devices", {
      id: device.id,
      name: options.name,
      signatureKey: toBase64(pair.publicKey),
      keyPackages: made.upload,
    });
    const entries: Record<string, string> = {
      [`device:${options.userId}`]: JSON.stringify({
        deviceId: device.id,
        signKey: toBase64(pair.signKey),
        publicKey: toBase64(pair.publicKey),
      }),
    };
    for (const kp of made.keep) entries[`kp:${kp.ref}`] = encodeOwnKeyPackage(kp);
    await options.vault.set(entries);
    return new E2eeDevice(keys, options.vault, options.api, options.onReadable ?? (() => {}));
  }

  get id(): string {
    return this.keys.deviceId;
  }

  /** More KeyPackages for the server to hand out, kept here until a Welcome uses one. */
  async replenish(): Promise<void> {
    const made = await newKeyPackages(this.keys, KEY_PACKAGES_TARGET);
    const entries: Record<string, string> = {};
    for (const kp of made.keep) entries[`kp:${kp.ref}`] = encodeOwnKeyPackage(kp);
    await this.vault.set(entries);
    await this.api.call("POST", `/e2ee/devices/${this.id}/key-packages`, { keyPackages: made.upload });
  }

  /** One thing at a time per conversation: Commits and messages must be processed in order. */
  private serial<T>(conversationId: string, work: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(conversationId) ?? Promise.resolve();
    const next = prev.then(work, work);
    this.queues.set(
      conversationId,
      next.catch(() => {}),
    );
    return next;
  }

  /** Where this device keeps a group's state: per device, so a new device of the same browser starts clean. */
  groupKey(conversationId: string): string {
    return `group:${this.id}:${conversationId}`;
  }

  private async loadGroup(conversationId: string): Promise<{ state: GroupState | null; cursor: number }> {
    const raw = await this.vault.get(this.groupKey(conversationId));
    if (!raw) return { state: null, cursor: 0 };
    const rec = JSON.parse(raw) as GroupRecord;
    return { state: rec.state ? loadState(fromBase64(rec.state)) : null, cursor: rec.cursor };
  }

  private groupEntry(conversationId: string, state: GroupState | null, cursor: number): Record<string, string> {
    return {
      [this.groupKey(conversationId)]: JSON.stringify({
        state: state ? toBase64(saveState(state)) : "",
        cursor,
      } satisfies GroupRecord),
    };
  }

  /** Brings this device up to where its group is: every Commit and message since it last looked. */
  sync(conversationId: string): Promise<void> {
    return this.serial(conversationId, async () => {
      await this.syncNow(conversationId);
    });
  }

  private async syncNow(conversationId: string): Promise<{ state: GroupState | null; cursor: number }> {
    let { state, cursor } = await this.loadGroup(conversationId);
    for (;;) {
      const page = await this.api.call<{ events: EventView[]; more: boolean }>(
        "GET",
        `/conversations/${conversationId}/mls/log?after=${cursor}&limit=200`,
      );
      for (const e of page.events) {
        state = await this.process(conversationId, state, e);
        cursor = Number(e.id);
      }
      await this.vault.set(this.groupEntry(conversationId, state, cursor));
      if (!page.more) {
        void this.backup.backupLater();
        return { state, cursor };
      }
    }
  }

  /** One event of the log; the state after it. */
  private async process(conversationId: string, state: GroupState | null, e: EventView): Promise<GroupState | null> {
    if (e.type === "mls.commit" && e.handshake) {
      const h = e.handshake;
      // Added by this Commit: join from its Welcome (also when a group started over with this device in it).
      if (h.welcome && h.added.includes(this.id) && (!state || h.epoch === 0))
        return (await this.join(h.welcome)) ?? state;
      // My own Commit, accepted while this page was closing before it kept the state it leads to.
      if (h.deviceId === this.id && (!state || h.epoch === 0 || h.epoch === epochOf(state)))
        return (await this.pendingCommit(conversationId, h.commit)) ?? state;
      if (!state) return null;
      if (h.epoch !== epochOf(state)) return state;
      if (h.deviceId === this.id) return state;
      return applyCommit(state, h.commit);
    }
    if (e.type === "message.created" && e.message?.encrypted)
      await this.readOne(conversationId, state, e.message, (s) => (state = s));
    return state;
  }

  private pendingKey(conversationId: string): string {
    return `pending:${this.id}:${conversationId}`;
  }

  /** The state a Commit of mine leads to, kept before it was sent, if this is that Commit. */
  private async pendingCommit(conversationId: string, commit: string): Promise<GroupState | null> {
    const raw = await this.vault.get(this.pendingKey(conversationId));
    if (!raw) return null;
    const pending = JSON.parse(raw) as { commit: string; state: string };
    if (pending.commit !== commit) return null;
    await this.vault.delete(this.pendingKey(conversationId));
    return loadState(fromBase64(pending.state));
  }

  /** Joins a group from a Welcome made for one of this device's KeyPackages; then makes more if few are left. */
  private async join(welcome: string): Promise<GroupState | null> {
    const joined = await joinFromWelcome(welcome, (ref) => this.keptPackage(ref));
    if (!joined) return null;
    await this.vault.delete(`kp:${joined.used}`);
    void this.replenishLater();
    return joined.state;
  }

  /** More KeyPackages when others have claimed most of them (after each join); logged when it fails. */
  private replenishLater(): Promise<void> {
    return (async () => {
      const mine = await this.api.call<{ devices: { id: string; keyPackages?: number }[] }>("GET", "/e2ee/devices");
      const left = mine.devices.find((d) => d.id === this.id)?.keyPackages ?? 0;
      if (left < KEY_PACKAGES_LOW) await this.replenish();
    })().catch((err) => console.warn("encryption: replenishLater failed", err));
  }

  /** A KeyPackage this device made that no Welcome has used yet. */
  private async keptPackage(ref: string) {
    const raw = await this.vault.get(`kp:${ref}`);
    return raw ? decodeOwnKeyPackage(raw) : undefined;
  }

  private async readOne(
    conversationId: string,
    state: GroupState | null,
    m: MessageView,
    setState: (s: GroupState) => void,
  ): Promise<void> {
    if (await this.kept.has(m.id)) return;
    let r: Readable;
    if (m.encrypted!.deviceId === this.id) {
      // My own: MLS cannot decrypt what it sent; what I sent was kept under its clientId.
      const sent = await this.vault.get(`sent:${m.clientId}`);
      r = sent
        ? { ok: true, content: JSON.parse(sent) as MessageContent }
        : { ok: false, reason: "Sent from this device before it kept a copy.", retry: true };
    } else if (!state) {
      r = { ok: false, reason: "Sent before this device joined the conversation.", retry: true };
    } else {
      try {
        const out = await decrypt(state, m.encrypted!.ciphertext);
        setState(out.state);
        const keys = new Map(groupMembers(out.state).map((g) => [g.deviceId, g.signatureKey]));
        const content = await openContent(
          out.plaintext,
          { conversationId, clientId: m.clientId, deviceId: m.encrypted!.deviceId },
          (d) => keys.get(d),
        );
        r = { ok: true, content };
      } catch (err) {
        if (err instanceof UndecryptableError || err instanceof ForgedError)
          r = { ok: false, reason: err.message, retry: err instanceof UndecryptableError && err.kind === "epoch" };
        else throw err;
      }
    }
    const kept = await this.kept.keep(m, r);
    if (kept) this.backup.add(kept);
    this.onReadable(m.id, r);
  }

  /** What this device knows of a message: its content, why it cannot be read, or nothing yet. */
  readable(messageId: string): Promise<Readable | undefined> {
    return this.kept.get(messageId);
  }

  /**
   * Makes the group match the conversation: creates it if nobody has, adds the devices of members that are
   * waiting, removes those of people who left. Another device committing first is not a failure: this one
   * catches up and looks again.
   */
  reconcile(conversationId: string): Promise<void> {
    return this.serial(conversationId, async () => {
      await this.reconcileNow(conversationId);
    });
  }

  private async reconcileNow(conversationId: string): Promise<GroupState | null> {
    for (let attempt = 0; attempt < 5; attempt++) {
      let { state, cursor } = await this.syncNow(conversationId);
      const group = await this.api.call<{ group: MlsGroupView }>("GET", `/conversations/${conversationId}/mls`);
      const g = group.group;
      const mineInGroup = g.devices.some((d) => d.deviceId === this.id);
      const startsOver = g.devices.every((d) => g.pendingRemove.includes(d.deviceId));
      if (!startsOver && (!mineInGroup || !state)) return state; // others will add this device
      const fresh = startsOver;
      const add = g.pendingAdd.filter((d) => d.deviceId !== this.id).map((d) => d.deviceId);
      const remove = fresh ? [] : g.pendingRemove;
      if (!fresh && add.length === 0 && remove.length === 0) return state;
      let base = state;
      if (fresh) base = await startGroup(conversationId, this.keys);
      let claimed: { deviceId: string; keyPackage: string }[] = [];
      try {
        if (add.length > 0) {
          const c = await this.api.call<{ keyPackages: { deviceId: string; keyPackage: string }[] }>(
            "POST",
            `/conversations/${conversationId}/mls/claim`,
            { deviceId: this.id, deviceIds: add },
          );
          claimed = c.keyPackages;
        }
        const made = await commitChanges(base!, { add: claimed.map((c) => c.keyPackage), remove });
        // Kept before it is sent: if the server accepts it and this page closes before the answer, the log
        // brings the Commit back and the state it leads to is here (pendingCommit).
        await this.vault.set({
          [this.pendingKey(conversationId)]: JSON.stringify({
            commit: made.commit,
            state: toBase64(saveState(made.state)),
          }),
        });
        await this.api.call("POST", `/conversations/${conversationId}/mls/commits`, {
          deviceId: this.id,
          epoch: fresh ? 0 : epochOf(base!),
          commit: made.commit,
          welcome: made.welcome,
          added: claimed.map((c) => c.deviceId),
          removed: remove,
        });
        state = made.state;
      } catch (err) {
        // Refused: the Commit is not in the log. Any other failure (no answer) may hide an acceptance: the
        // state it leads to stays kept until the log says.
        if (err instanceof ApiError) await this.vault.delete(this.pendingKey(conversationId));
        // Another device got there first (it committed, or added the device being claimed): catch up, look again.
        if (err instanceof ApiError && LOST_RACE.has(err.code)) continue;
        throw err;
      }
      // Accepted: the Commit is in the log after the cursor; this device is already past it.
      await this.vault.set(this.groupEntry(conversationId, state, cursor));
      await this.vault.delete(this.pendingKey(conversationId));
      return state;
    }
    throw new Error("The encrypted group kept changing; try again.");
  }

  /**
   * The encrypted form of a message for the conversation's group at its current epoch, after committing
   * any removal due (the server accepts no message while one waits).
   */
  seal(
    conversationId: string,
    clientId: string,
    content: MessageContent,
  ): Promise<{ deviceId: string; ciphertext: string }> {
    return this.serial(conversationId, async () => {
      const state = await this.reconcileNow(conversationId);
      if (!state) throw new Error("This device is not in the conversation's encrypted group yet.");
      const plaintext = await sealContent(this.keys, { conversationId, clientId }, content);
      const out = await encrypt(state, plaintext);
      const { cursor } = await this.loadGroup(conversationId);
      await this.vault.set({
        ...this.groupEntry(conversationId, out.state, cursor),
        [`sent:${clientId}`]: JSON.stringify(content),
      });
      return { deviceId: this.id, ciphertext: out.ciphertext };
    });
  }
}
