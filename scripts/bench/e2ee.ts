// What end-to-end encryption costs (npm run bench -- --e2ee): per message, sealing (sign + MLS encrypt) and
// opening (MLS decrypt + verify); per Commit, making and processing one in groups of 2, 10 and 50 devices;
// and the web app's code for it, which loads only with the first encrypted conversation. The device code is
// the web app's own (web/src/e2ee), run in Bun: its Web Crypto is BoringSSL, as Chromium's is.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  applyCommit,
  commitChanges,
  decrypt,
  encrypt,
  joinFromWelcome,
  newKeyPackages,
  newSignatureKeys,
  startGroup,
  toBase64,
  type DeviceKeys,
  type GroupState,
} from "../../web/src/e2ee/mls.ts";
import { openContent, sealContent } from "../../web/src/e2ee/payload.ts";
import { buildWeb } from "../build-web.ts";

async function deviceKeys(i: number): Promise<DeviceKeys> {
  return { userId: `u${i}`, deviceId: `d${i}`, ...(await newSignatureKeys()) };
}

const median = (xs: number[]) => xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bytesOf = (b64: string) => Math.round((b64.length * 3) / 4);

/** A group of n devices made as the app makes one: the first adds all others in one Commit (timed). */
async function groupOf(n: number): Promise<{
  creator: GroupState;
  member: GroupState;
  devices: DeviceKeys[];
  createMs: number;
  welcomeBytes: number;
}> {
  const devices = await Promise.all(Array.from({ length: n }, (_, i) => deviceKeys(i)));
  const packages = await Promise.all(devices.slice(1).map((d) => newKeyPackages(d, 1)));
  const start = await startGroup("bench", devices[0]!);
  const t0 = performance.now();
  const made = await commitChanges(start, { add: packages.map((p) => p.upload[0]!), remove: [] });
  const createMs = performance.now() - t0;
  const joined = await joinFromWelcome(made.welcome!, async (ref) => packages[0]!.keep.find((k) => k.ref === ref));
  return { creator: made.state, member: joined!.state, devices, createMs, welcomeBytes: bytesOf(made.welcome!) };
}

/** Per group size: creating it with everyone, then a Commit adding one more device, made and processed. */
export async function benchCommits(sizes: number[]) {
  const rows = [];
  for (const n of sizes) {
    const g = await groupOf(n);
    // Five Commits from the same state (group states are values: each starts from the same epoch), each
    // processed by the same member state; the medians are shown.
    const newcomer = await newKeyPackages(await deviceKeys(n), 1);
    const make: number[] = [];
    const process: number[] = [];
    let add!: Awaited<ReturnType<typeof commitChanges>>;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      add = await commitChanges(g.creator, { add: [newcomer.upload[0]!], remove: [] });
      make.push(performance.now() - t0);
      const t1 = performance.now();
      await applyCommit(g.member, add.commit);
      process.push(performance.now() - t1);
    }
    const commitMs = median(make);
    const processMs = median(process);
    rows.push({
      devices: n,
      "create with all (ms)": g.createMs.toFixed(1),
      "its Welcome (KB)": (g.welcomeBytes / 1024).toFixed(1),
      "add one: make (ms)": commitMs.toFixed(1),
      "add one: process (ms)": processMs.toFixed(1),
      "Commit (bytes)": bytesOf(add.commit),
    });
  }
  return rows;
}

/** Sealing and opening n messages of 200 characters between two devices. */
export async function benchMessages(n: number) {
  const g = await groupOf(2);
  let sender = g.creator;
  let reader = g.member;
  const text = "x".repeat(200);
  const sealed: string[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const plain = await sealContent(g.devices[0]!, { conversationId: "bench", clientId: `c${i}` }, { text, files: [] });
    const out = await encrypt(sender, plain);
    sender = out.state;
    sealed.push(out.ciphertext);
  }
  const sealMs = performance.now() - t0;
  const key = toBase64(g.devices[0]!.publicKey);
  const t1 = performance.now();
  for (let i = 0; i < n; i++) {
    const out = await decrypt(reader, sealed[i]!);
    reader = out.state;
    await openContent(out.plaintext, { conversationId: "bench", clientId: `c${i}`, deviceId: "d0" }, () => key);
  }
  const openMs = performance.now() - t1;
  const floor = await primitivesFloor(n, text);
  return [
    {
      "": "Parley (web/src/e2ee)",
      messages: n,
      "seal: sign + encrypt (ms each)": (sealMs / n).toFixed(2),
      "open: decrypt + verify (ms each)": (openMs / n).toFixed(2),
      "200 characters as ciphertext (bytes)": bytesOf(sealed[0]!),
    },
    { "": "floor: one Ed25519 signature and one AES-GCM pass", messages: n, ...floor },
  ];
}

/** The least the same work can cost: the primitives alone, with no MLS framing, key schedule or ratchet. */
async function primitivesFloor(n: number, text: string) {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"])) as CryptoKeyPair;
  const aes = await crypto.subtle.generateKey({ name: "AES-GCM", length: 128 }, false, ["encrypt", "decrypt"]);
  const data = new TextEncoder().encode(text);
  const iv = new Uint8Array(12);
  const boxes: { sig: ArrayBuffer; box: ArrayBuffer }[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const sig = await crypto.subtle.sign("Ed25519", pair.privateKey, data);
    boxes.push({ sig, box: await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, data) });
  }
  const sealMs = performance.now() - t0;
  const t1 = performance.now();
  for (const b of boxes) {
    await crypto.subtle.decrypt({ name: "AES-GCM", iv }, aes, b.box);
    await crypto.subtle.verify("Ed25519", pair.publicKey, b.sig, data);
  }
  const openMs = performance.now() - t1;
  return {
    "seal: sign + encrypt (ms each)": (sealMs / n).toFixed(2),
    "open: decrypt + verify (ms each)": (openMs / n).toFixed(2),
    "200 characters as ciphertext (bytes)": data.length + 16 + 64,
  };
}

/**
 * The chunks that load only with the first encrypted conversation: what the runtime chunk imports (statically,
 * transitively) that no other chunk does.
 */
export async function benchBundle() {
  await buildWeb();
  const dir = join(import.meta.dir, "..", "..", "dist", "web", "assets");
  const chunks = readdirSync(dir).filter((f) => f.endsWith(".js"));
  const text = new Map(chunks.map((f) => [f, readFileSync(join(dir, f), "utf8")]));
  const found = (f: string, re: RegExp) => [...text.get(f)!.matchAll(re)].map((m) => m[1]!);
  // Static imports load with the chunk; import() when the code asks (ts-mls loads its primitives so).
  const staticOf = (f: string) => found(f, /(?:from|import)\s*"\.\/([\w.-]+\.js)"/g);
  const dynamicOf = (f: string) => found(f, /import\(\s*"\.\/([\w.-]+\.js)"\s*\)/g);
  const reach = (start: string, next: (f: string) => string[]) => {
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length) {
      const f = todo.pop()!;
      if (!seen.has(f)) (seen.add(f), todo.push(...next(f)));
    }
    return seen;
  };
  const runtime = chunks.find((f) => f.startsWith("runtime-"))!;
  // What the page loads at start (index.html's script and its static imports) is there already.
  const html = readFileSync(join(dir, "..", "index.html"), "utf8");
  const entry = /src="\/assets\/([\w.-]+\.js)"/.exec(html)![1]!;
  const atStart = reach(entry, staticOf);
  const mine = reach(runtime, (f) => (atStart.has(f) ? [] : [...staticOf(f), ...dynamicOf(f)]));
  for (const f of atStart) mine.delete(f);
  const elsewhere = new Set(chunks.filter((f) => !mine.has(f)).flatMap((f) => [...reach(f, staticOf)]));
  return [...mine]
    .filter((f) => !elsewhere.has(f))
    .map((f) => {
      const raw = readFileSync(join(dir, f));
      return {
        chunk: f.replace(/-[a-z0-9]+\.js$/, "-*.js"),
        KiB: (raw.length / 1024).toFixed(1),
        "gzipped KiB": (Bun.gzipSync(raw, { level: 9 }).length / 1024).toFixed(1),
      };
    });
}
