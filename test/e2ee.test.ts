// End-to-end encrypted conversations, as the delivery service sees them: devices and their KeyPackages,
// Commits ordered by epoch, membership driving adds and removes, and every refusal (stale epochs, someone
// else's KeyPackage, malformed or oversized MLS, non-members, plain words) leaving nothing stored. The
// devices are the web app's own code (web/src/e2ee/device.ts) with an in-memory vault.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createBackup } from "../src/ops/backup.ts";
import { decrypt, encrypt, loadState, fromBase64, newKeyPackages, newSignatureKeys } from "../web/src/e2ee/mls.ts";
import { addMember, apiAs, setUp, startTestServer, tempDir, type Person, type TestServer } from "./harness.ts";
import { MemoryVault, openDevice, sendSealed, transportFor, type TestDevice } from "./e2ee-client.ts";
import { E2eeDevice } from "../web/src/e2ee/device.ts";

let s: TestServer;
let ana: Person, ben: Person, cid: Person, dee: Person;
let group: string;
/** The first message, sent before anyone set up a key backup. */
let hello: any;
let anaDev: TestDevice, benDev: TestDevice, cidDev: TestDevice;
const api = apiAs(() => s);

beforeAll(async () => {
  s = await startTestServer();
  const root = await setUp(s);
  [ana, ben, cid, dee] = (await Promise.all(
    ["ana1", "ben", "cid", "dee"].map((n) => addMember(s, root.token, n)),
  )) as unknown as [Person, Person, Person, Person];
  const made = await api(ana, "POST", "/conversations", {
    type: "group",
    title: "Family",
    encrypted: true,
    memberIds: [ben.user.id, cid.user.id],
  });
  expect(made.status).toBe(201);
  expect(made.body.conversation.encryptedAt).not.toBeNull();
  group = made.body.conversation.id;
  [anaDev, benDev, cidDev] = (await Promise.all([ana, ben, cid].map((p) => openDevice(() => s, p)))) as [
    TestDevice,
    TestDevice,
    TestDevice,
  ];
});
afterAll(async () => {
  await s.stop();
});

const groupOf = async (p: Person) => (await api(p, "GET", `/conversations/${group}/mls`)).body.group;

describe("end-to-end encrypted conversations", () => {
  test("three people's devices form the group and read each other's messages; the server holds only ciphertext", async () => {
    expect((await groupOf(ana)).pendingAdd).toHaveLength(3);
    await anaDev.device.reconcile(group);
    const g = await groupOf(ben);
    expect(g.epoch).toBe(1);
    expect(g.devices.map((d: any) => d.deviceId).sort()).toEqual(
      [anaDev, benDev, cidDev].map((d) => d.device.id).sort(),
    );
    expect(g.pendingAdd).toEqual([]);

    hello = await sendSealed(s, ana, anaDev, group, "Hello from Ana");
    expect(hello.text).toBe("");
    expect(hello.encrypted.deviceId).toBe(anaDev.device.id);
    await Promise.all([benDev.device.sync(group), cidDev.device.sync(group)]);
    expect(benDev.read.get(hello.id)).toEqual({ ok: true, content: { text: "Hello from Ana", files: [] } });
    expect(cidDev.read.get(hello.id)).toEqual({ ok: true, content: { text: "Hello from Ana", files: [] } });

    const reply = await sendSealed(s, cid, cidDev, group, "Hi both, Cid here");
    await Promise.all([anaDev.device.sync(group), benDev.device.sync(group)]);
    expect(anaDev.read.get(reply.id)).toMatchObject({ ok: true, content: { text: "Hi both, Cid here" } });
    expect(benDev.read.get(reply.id)).toMatchObject({ ok: true, content: { text: "Hi both, Cid here" } });
    // History pages carry the ciphertext (and no words) as the log does.
    const page = (await api(ben, "GET", `/conversations/${group}/messages?limit=50`)).body.messages;
    expect(page.map((m: any) => [m.text, m.encrypted?.deviceId])).toEqual([
      ["", cidDev.device.id],
      ["", anaDev.device.id],
    ]);
    // The server's search has nothing of them, and says how many encrypted conversations it left out.
    const search = (await api(ben, "GET", "/search/messages?q=Hello")).body;
    expect(search).toEqual({ results: [], more: false, encryptedLeftOut: 1 });
    // Ana's own message is hers to read again on her device.
    await anaDev.device.sync(group);
    expect(await anaDev.device.readable(hello.id)).toMatchObject({ ok: true, content: { text: "Hello from Ana" } });
  });

  test("a random marker sent encrypted is nowhere in the database, its WAL, a backup, an export or the logs", async () => {
    const marker = `marker-${crypto.randomUUID()}`;
    await sendSealed(s, ben, benDev, group, `the code is ${marker}`);
    await anaDev.device.sync(group);
    await s.idle();
    const dir = tempDir("parley-e2ee-");
    const archive = join(dir, "backup.tar");
    await createBackup(s.dataDir, archive);
    const started = await api(ben, "POST", "/me/export");
    let job = started.body.export;
    while (job.status === "running") job = (await api(ben, "GET", `/exports/${job.id}`)).body.export;
    expect(job.status).toBe("done");
    const exported = Buffer.from(
      await (await fetch(s.url + job.downloadUrl, { headers: { authorization: `Bearer ${ben.token}` } })).arrayBuffer(),
    );
    // The export says there was a message it cannot show.
    expect(exported.toString()).toContain("End-to-end encrypted");
    const needle = Buffer.from(marker);
    const files = readdirSync(s.dataDir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name));
    expect(files.some((f) => f.endsWith("parley.db-wal"))).toBe(true);
    for (const f of [...files, archive])
      expect({ f, found: readFileSync(f).includes(needle) }).toEqual({ f, found: false });
    expect(exported.includes(needle)).toBe(false);
    expect(s.logs.join("\n")).not.toContain(marker);
    // ...while Ana's device read it.
    const last = [...anaDev.read.values()].at(-1);
    expect(last).toMatchObject({ ok: true, content: { text: `the code is ${marker}` } });
  });

  test("the server refuses plain words, forged framing, other groups' messages and non-members, storing nothing", async () => {
    const before = s.snapshot();
    const post = (p: Person, body: unknown) => api(p, "POST", `/conversations/${group}/messages`, body);
    expect((await post(ana, { clientId: "p1", text: "in the clear" })).body.error.code).toBe("ENCRYPTION_REQUIRED");
    const garbage = { clientId: "p2", encrypted: { deviceId: anaDev.device.id, ciphertext: "AAAA" } };
    expect((await post(ana, garbage)).body.error.code).toBe("MLS_INVALID");
    const notBase64 = { clientId: "p3", encrypted: { deviceId: anaDev.device.id, ciphertext: "not base64!" } };
    expect((await post(ana, notBase64)).body.error.code).toBe("MLS_INVALID");
    const huge = { clientId: "p4", encrypted: { deviceId: anaDev.device.id, ciphertext: "A".repeat(60_000) } };
    expect((await post(ana, huge)).status).toBe(400);
    const words = { clientId: "p5", text: "both", encrypted: { deviceId: anaDev.device.id, ciphertext: "AAAA" } };
    expect((await post(ana, words)).body.error).toMatchObject({ code: "VALIDATION_FAILED", field: "text" });
    // A real ciphertext of this group, sent by someone outside it, or from a device not in it.
    const sealed = await anaDev.device.seal(group, "p6", { text: "x", files: [] });
    expect((await post(dee, { clientId: "p6", encrypted: sealed })).body.error.code).toBe("NOT_A_MEMBER");
    expect((await post(ben, { clientId: "p6", encrypted: sealed })).body.error.code).toBe("DEVICE_NOT_FOUND");
    // A Commit that is not this group's current epoch: one already accepted, sent again.
    const log = (await api(ana, "GET", `/conversations/${group}/mls/log`)).body.events;
    const first = log.find((e: any) => e.type === "mls.commit").handshake;
    const stale = await api(ana, "POST", `/conversations/${group}/mls/commits`, {
      deviceId: anaDev.device.id,
      epoch: first.epoch,
      commit: first.commit,
      welcome: null,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("MLS_STALE_EPOCH");
    const notCommit = await api(ana, "POST", `/conversations/${group}/mls/commits`, {
      deviceId: anaDev.device.id,
      epoch: 1,
      commit: sealed.ciphertext,
    });
    expect(notCommit.body.error.code).toBe("MLS_INVALID");
    expect((await api(dee, "GET", `/conversations/${group}/mls/log`)).body.error.code).toBe("NOT_A_MEMBER");
    expect((await api(dee, "GET", `/conversations/${group}/mls`)).body.error.code).toBe("NOT_A_MEMBER");
    expect(s.snapshot()).toBe(before);
  });

  test("a KeyPackage for someone else's device, or malformed, is refused and nothing is stored", async () => {
    const before = s.snapshot();
    // Ben's KeyPackages naming Ana's device, uploaded to his own device and to hers.
    const forged = await newKeyPackages(
      { ...anaDev.device.keys, signKey: benDev.device.keys.signKey, publicKey: benDev.device.keys.publicKey },
      1,
    );
    const toMine = await api(ben, "POST", `/e2ee/devices/${benDev.device.id}/key-packages`, {
      keyPackages: forged.upload,
    });
    expect(toMine.body.error.code).toBe("KEY_PACKAGE_NOT_YOURS");
    const toHers = await api(ben, "POST", `/e2ee/devices/${anaDev.device.id}/key-packages`, {
      keyPackages: forged.upload,
    });
    expect(toHers.body.error.code).toBe("DEVICE_NOT_FOUND");
    // A new device whose KeyPackages carry another key than the one it registers.
    const pair = await newSignatureKeys();
    const other = await newKeyPackages({ userId: ben.user.id, deviceId: "f".repeat(32), ...pair }, 1);
    const mismatch = await api(ben, "POST", "/e2ee/devices", {
      id: "f".repeat(32),
      name: "Laptop",
      signatureKey: Buffer.from(benDev.device.keys.publicKey).toString("base64"),
      keyPackages: other.upload,
    });
    expect(mismatch.body.error.code).toBe("KEY_PACKAGE_NOT_YOURS");
    const junk = await api(ben, "POST", `/e2ee/devices/${benDev.device.id}/key-packages`, {
      keyPackages: ["AAAAAAAA"],
    });
    expect(junk.body.error.code).toBe("MLS_INVALID");
    const welcomeAsKp = await api(ben, "POST", `/e2ee/devices/${benDev.device.id}/key-packages`, {
      keyPackages: [(await api(ana, "GET", `/conversations/${group}/mls/log`)).body.events[0].handshake.welcome],
    });
    expect(welcomeAsKp.body.error.code).toBe("MLS_INVALID");
    expect(s.snapshot()).toBe(before);
  });

  test("a removed member's device can read nothing sent after the removal; sends wait for the removal's Commit", async () => {
    const cidBefore = cidDev.vault.data.get(cidDev.device.groupKey(group))!;
    expect((await api(ana, "DELETE", `/conversations/${group}/members/${cid.user.id}`)).status).toBe(204);
    expect((await groupOf(ana)).pendingRemove).toEqual([cidDev.device.id]);
    // A message sealed in the epoch that still holds Cid's device is refused by the server...
    const benState = loadState(fromBase64(JSON.parse(benDev.vault.data.get(benDev.device.groupKey(group))!).state));
    const early = await encrypt(benState, new TextEncoder().encode("too early"));
    const refused = await api(ben, "POST", `/conversations/${group}/messages`, {
      clientId: "too-early",
      encrypted: { deviceId: benDev.device.id, ciphertext: early.ciphertext },
    });
    expect(refused.body.error.code).toBe("MLS_REMOVAL_PENDING");
    // ...so Ben's device commits the removal first, then sends in the new epoch.
    const after = await sendSealed(s, ben, benDev, group, "Cid cannot read this");
    expect((await groupOf(ana)).pendingRemove).toEqual([]);
    expect((await groupOf(ana)).devices.map((d: any) => d.deviceId)).not.toContain(cidDev.device.id);
    await anaDev.device.sync(group);
    expect(anaDev.read.get(after.id)).toMatchObject({ ok: true, content: { text: "Cid cannot read this" } });
    // Cid no longer gets the log; and with the ciphertext in hand, Cid's group state cannot open it.
    expect((await api(cid, "GET", `/conversations/${group}/mls/log`)).body.error.code).toBe("NOT_A_MEMBER");
    const state = loadState(fromBase64(JSON.parse(cidBefore).state));
    await expect(decrypt(state, after.encrypted.ciphertext)).rejects.toThrow();
  });

  test("two devices committing at once are put in order: one wins, the other catches up and nothing is lost", async () => {
    const deeDev = await openDevice(() => s, dee);
    expect((await api(ana, "POST", `/conversations/${group}/members`, { userId: dee.user.id })).status).toBe(201);
    const epoch = (await groupOf(ana)).epoch;
    await Promise.all([anaDev.device.reconcile(group), benDev.device.reconcile(group)]);
    const g = await groupOf(ana);
    expect(g.epoch).toBe(epoch + 1);
    expect(g.devices.map((d: any) => d.deviceId)).toContain(deeDev.device.id);
    const msg = await sendSealed(s, ben, benDev, group, "Welcome, Dee");
    await Promise.all([deeDev.device.sync(group), anaDev.device.sync(group)]);
    expect(deeDev.read.get(msg.id)).toMatchObject({ ok: true, content: { text: "Welcome, Dee" } });
    expect(anaDev.read.get(msg.id)).toMatchObject({ ok: true, content: { text: "Welcome, Dee" } });
    // One Commit added Dee's device: the device that lost the race did not add it twice.
    const log = (await api(ana, "GET", `/conversations/${group}/mls/log`)).body.events;
    const adds = log.filter((e: any) => e.type === "mls.commit" && e.handshake.added.includes(deeDev.device.id));
    expect(adds).toHaveLength(1);
  });

  test("a member's second device joins and reads onward, and reads earlier history once given the recovery key", async () => {
    const recovery = await anaDev.device.backup.setUp();
    expect(recovery).toMatch(/^([A-Z2-7]{4} ){12}[A-Z2-7]{4}$/);
    await anaDev.device.backup.backupLater();
    const laptop = await openDevice(() => s, ana);
    expect(laptop.device.id).not.toBe(anaDev.device.id);
    expect((await groupOf(ben)).pendingAdd.map((d: any) => d.deviceId)).toEqual([laptop.device.id]);
    await benDev.device.reconcile(group);
    const onward = await sendSealed(s, ben, benDev, group, "For both of Ana's devices");
    await laptop.device.sync(group);
    expect(laptop.read.get(onward.id)).toMatchObject({ ok: true, content: { text: "For both of Ana's devices" } });
    // Earlier messages were never sent to this device: it says so instead of showing them...
    const before = { ok: false, reason: "Sent before this device joined the conversation.", retry: false } as const;
    expect(await laptop.device.readable(hello.id)).toEqual(before);
    // ...a wrong recovery key is refused and changes nothing...
    await expect(laptop.device.backup.useRecoveryKey("AAAA ".repeat(13), [group])).rejects.toThrow(
      "not your recovery key",
    );
    await expect(laptop.device.backup.useRecoveryKey("too short", [group])).rejects.toThrow("52 letters");
    expect(await laptop.device.readable(hello.id)).toEqual(before);
    // ...and the right one (typed in lower case, with dashes) opens the history from the backup.
    await laptop.device.backup.useRecoveryKey(recovery.toLowerCase().replaceAll(" ", "-"), [group]);
    expect(await laptop.device.readable(hello.id)).toEqual({
      ok: true,
      content: { text: "Hello from Ana", files: [] },
    });
    expect(laptop.read.get(hello.id)).toMatchObject({ ok: true });
    // The backup is opaque to the server: the words are nowhere in its files.
    await s.idle();
    const needle = Buffer.from("Hello from Ana");
    for (const f of readdirSync(s.dataDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile()))
      expect(readFileSync(join(f.parentPath, f.name)).includes(needle)).toBe(false);
    // Someone else cannot read or write Ana's backup, nor add entries for messages they cannot see.
    expect((await api(ben, "GET", "/e2ee/backup")).body.error.code).toBe("BACKUP_NOT_FOUND");
    const stranger = await api(dee, "POST", "/e2ee/backup/entries", {
      entries: [{ messageId: hello.id, data: "AAAA" }],
    });
    expect(stranger.body.error.code).toBe("BACKUP_NOT_FOUND");
  });

  test("bounded fuzz: mutated Commits, KeyPackages and ciphertexts get clear 4xx refusals and change nothing", async () => {
    const log = (await api(ana, "GET", `/conversations/${group}/mls/log`)).body.events;
    const commit = log.find((e: any) => e.type === "mls.commit").handshake.commit as string;
    const kp = (await newKeyPackages(benDev.device.keys, 1)).upload[0]!;
    const sealed = await anaDev.device.seal(group, "fuzz", { text: "fuzz", files: [] });
    const epoch = (await groupOf(ana)).epoch;
    const mutate = (b64: string, edits: { at: number; xor: number }[], cut: number, extra: number[]) => {
      const bytes = [...fromBase64(b64)];
      for (const e of edits) bytes[e.at % bytes.length]! ^= e.xor;
      const kept = bytes.slice(0, Math.max(1, bytes.length - cut));
      return Buffer.from([...kept, ...extra]).toString("base64");
    };
    const codes = new Set<string>();
    const stored: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("commit", "keyPackage", "ciphertext"),
        fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 4 }),
        fc.nat({ max: 40 }),
        fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 8 }),
        async (what, edits, cut, extra) => {
          if (edits.length === 0 && cut === 0 && extra.length === 0) return;
          const before = s.snapshot();
          const r =
            what === "commit"
              ? await api(ana, "POST", `/conversations/${group}/mls/commits`, {
                  deviceId: anaDev.device.id,
                  epoch,
                  commit: mutate(commit, edits, cut, extra),
                })
              : what === "keyPackage"
                ? await api(ben, "POST", `/e2ee/devices/${benDev.device.id}/key-packages`, {
                    keyPackages: [mutate(kp, edits, cut, extra)],
                  })
                : await api(ana, "POST", `/conversations/${group}/messages`, {
                    clientId: `fuzz-${crypto.randomUUID()}`,
                    encrypted: { deviceId: anaDev.device.id, ciphertext: mutate(sealed.ciphertext, edits, cut, extra) },
                  });
          // A ciphertext's body is not the server's to check (only its framing): one that still frames as
          // this group's message at this epoch is stored, and readers must report it undecryptable. Anything
          // else is refused with a code of the catalogue, never a 5xx, and changes nothing.
          if (what === "ciphertext" && r.status === 201) {
            stored.push(r.body.message.id);
            return;
          }
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          codes.add(r.body.error.code);
          expect(s.snapshot()).toBe(before);
        },
      ),
      { numRuns: 150, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31) },
    );
    expect(
      [...codes].every((c) =>
        ["MLS_INVALID", "MLS_STALE_EPOCH", "KEY_PACKAGE_NOT_YOURS", "VALIDATION_FAILED"].includes(c),
      ),
    ).toBe(true);
    expect(codes.has("MLS_INVALID")).toBe(true);
    // Nothing that was stored shows as words on a reader's device.
    await benDev.device.sync(group);
    for (const id of stored) expect(benDev.read.get(id)).toMatchObject({ ok: false });
  });

  test("a Commit accepted while the page closed before its answer: the device takes the state it kept", async () => {
    const root = (await s.call("POST", "/api/v1/auth/login", { body: { username: "ana", password: "ana-password-1" } }))
      .body;
    const eve = (await addMember(s, root.token, "eve")) as unknown as Person;
    const chat = (await api(eve, "POST", "/conversations", { type: "direct", userId: ana.user.id, encrypted: true }))
      .body.conversation.id;
    // Eve's browser: the server accepts its Commit, and the answer never arrives (the tab was closed).
    const vault = new MemoryVault();
    const plain = transportFor(() => s, eve);
    const cut: typeof plain = {
      async call(method, path, body) {
        const answer = await plain.call(method, path, body);
        if (path.endsWith("/mls/commits")) throw new Error("the page closed");
        return answer;
      },
    };
    const first = await E2eeDevice.open({ userId: eve.user.id, name: "Eve's phone", vault, api: cut });
    await expect(first.reconcile(chat)).rejects.toThrow("the page closed");
    expect((await api(eve, "GET", `/conversations/${chat}/mls`)).body.group.epoch).toBe(1);
    // Opened again: the log brings its own Commit back, and it takes the state it kept before sending.
    const read = new Map<string, unknown>();
    const again = await E2eeDevice.open({
      userId: eve.user.id,
      name: "Eve's phone",
      vault,
      api: plain,
      onReadable: (id, r) => read.set(id, r),
    });
    expect(again.id).toBe(first.id);
    const msg = await sendSealed(s, ana, anaDev, chat, "Can you read me, Eve?");
    await again.sync(chat);
    expect(read.get(msg.id)).toMatchObject({ ok: true, content: { text: "Can you read me, Eve?" } });
  });

  test("a ciphertext altered on the server is reported as undecryptable, never shown", async () => {
    const msg = await sendSealed(s, ana, anaDev, group, "do not tamper");
    const bytes = fromBase64(msg.encrypted.ciphertext);
    bytes[bytes.length - 5]! ^= 0x01;
    const { db } = s.running.app.deps.store;
    db.$client.run("UPDATE messages SET ciphertext = ? WHERE id = ?", [Buffer.from(bytes).toString("base64"), msg.id]);
    await benDev.device.sync(group);
    expect(benDev.read.get(msg.id)).toMatchObject({ ok: false });
    expect(JSON.stringify(benDev.read.get(msg.id))).not.toContain("do not tamper");
  });
});
