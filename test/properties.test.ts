// Properties that must hold for every input, checked with fast-check over generated inputs (bounded
// runs; a failure prints its seed and the smallest input that breaks it). Validators answer with a value
// or a clear error and nothing else; parsers never throw anything but AppError; limits never let more
// through than they promise; addresses get one verdict whatever their spelling.
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import fc from "fast-check";
import * as f from "../src/accounts/fields.ts";
import { ConfigError, loadConfig } from "../src/config/config.ts";
import { boundaryOf, readFilePart } from "../src/files/multipart.ts";
import { safeFileName, sniffType } from "../src/files/sniff.ts";
import { AppError, faultToAppError } from "../src/lib/errors.ts";
import { embeddedIpv4, inAnyCidr, isPublicAddress, parseAddress, parseCidr } from "../src/lib/ip-address.ts";
import { checkUrl, OutboundRefused } from "../src/lib/outbound.ts";
import { parseWith } from "../src/lib/parse.ts";
import { RateLimiter } from "../src/lib/rate-limiter.ts";
import { hashSecret, newId, newTimeOrderedId } from "../src/lib/ids.ts";
import { findHiddenCharacter, humanText } from "../src/lib/text-policy.ts";
import { TokenBucket } from "../src/lib/token-bucket.ts";
import {
  helloFrame,
  pingFrame,
  presenceFrame,
  receiptFrame,
  sendFrame,
  typingFrame,
} from "../src/realtime/protocol.ts";
import { searchWords } from "../src/search/query.ts";
import { formsQuery } from "../src/search/word-forms.ts";

const RUNS = { numRuns: 300 };
const HIDDEN_SAMPLES = [
  "\u0000",
  "\u0007",
  "\u007F",
  "\u0085",
  "\u200B",
  "\u200C",
  "\u200E",
  "\u202A",
  "\u202E",
  "\u2066",
  "\u2069",
  "\uFEFF",
  "\u2028",
  "\u2029",
  "\u00AD",
  "\u3164",
  "\uFFA0",
  "\u2800",
  "\u115F",
  "\u{E0041}",
];
const text = fc.string({ unit: "binary", maxLength: 80 });
const hiddenChar = fc.constantFrom(...HIDDEN_SAMPLES);

/** Runs fn; passes when it returns or throws an AppError of a 4xx code, fails on anything else. */
function onlyClientErrors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (err) {
    return err instanceof AppError && err.code !== "INTERNAL";
  }
}

describe("the text policy", () => {
  const name = humanText("The name", { min: 1, max: 64 });

  test("whatever it accepts is NFC, trimmed, within its length and free of hidden characters", () => {
    fc.assert(
      fc.property(text, (s) => {
        const r = name.safeParse(s);
        if (!r.success) return true;
        return (
          r.data === r.data.normalize("NFC") &&
          r.data === r.data.trim() &&
          [...r.data].length <= 64 &&
          findHiddenCharacter(r.data) === null
        );
      }),
      RUNS,
    );
  });

  test("a hidden character anywhere in an accepted name makes it refused", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-zÀ-ÿ0-9 ]{1,30}$/), hiddenChar, fc.nat(), (base, ch, at) => {
        const visible = `N${base}N`;
        const i = 1 + (at % (visible.length - 1));
        return !name.safeParse(visible.slice(0, i) + ch + visible.slice(i)).success;
      }),
      RUNS,
    );
  });

  test("display names and bios from any text give a value or VALIDATION_FAILED, never anything else", () => {
    fc.assert(
      fc.property(
        fc.oneof(text, fc.anything()),
        (v) =>
          onlyClientErrors(() => parseWith(f.displayName, v)) &&
          onlyClientErrors(() => parseWith(f.bio, v)) &&
          onlyClientErrors(() => parseWith(f.username, v)),
      ),
      RUNS,
    );
  });
});

describe("ids", () => {
  test("time-ordered ids sort as their times do, in SQLite's order as in JavaScript's, and stay unguessable", () => {
    const db = new Database(":memory:");
    const ordered = db.query<{ ok: number }, [string, string]>("SELECT ?1 < ?2 AS ok");
    // Any time a message may carry, up to the year 10,000.
    const time = fc.integer({ min: 0, max: 253_402_300_799_999 });
    fc.assert(
      fc.property(time, time, (a, b) => {
        fc.pre(a !== b);
        const [x, y] = [newTimeOrderedId(a), newTimeOrderedId(b)];
        for (const id of [x, y]) expect(id).toMatch(/^[a-z2-7]{26}$/);
        expect(x < y).toBe(a < b);
        expect(ordered.get(x, y)!.ok === 1).toBe(a < b);
      }),
      RUNS,
    );
    // Ids of the same millisecond differ in their 80 random bits, the same as newId's.
    const now = Date.now();
    const same = new Set(Array.from({ length: 1000 }, () => newTimeOrderedId(now)));
    expect(same.size).toBe(1000);
    expect(newTimeOrderedId(now).slice(10)).toHaveLength(newId().length);
  });
  test("secrets are stored as their SHA-256 in hex, so tokens issued by earlier builds still match", () => {
    // FIPS 180-2's vectors, and a token's shape.
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(hashSecret("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 100 }), (secret) => {
        const hash = hashSecret(secret);
        expect(hash).toMatch(/^[0-9a-f]{64}$/);
        expect(hash).toBe(new Bun.CryptoHasher("sha256").update(new TextEncoder().encode(secret)).digest("hex"));
      }),
      RUNS,
    );
  });
});

describe("file names", () => {
  test("a safe name is never empty, at most 200 characters, well formed, with no path, hidden or shell-special characters and no leading dot", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          fc.string({ unit: "grapheme", maxLength: 300 }),
          fc.constantFrom("../../etc/passwd", "..", ".", "invoice\u202Efdp.exe", "C:\\x\\y.txt"),
        ),
        (s) => {
          const out = safeFileName(s);
          return (
            out.length > 0 &&
            [...out].length <= 200 &&
            out.isWellFormed() &&
            !/[\\/"<>:|?*]/.test(out) &&
            !out.startsWith(".") &&
            findHiddenCharacter(out) === null
          );
        },
      ),
      RUNS,
    );
  });

  test("sniffing any bytes names a type and never throws", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        (b) => typeof sniffType(b) === "string" && sniffType(b).includes("/"),
      ),
      RUNS,
    );
  });
});

describe("addresses", () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255));
  const dotted = (a: number[]) => a.join(".");

  test("an IPv4 address gets one verdict in every spelling: dotted, decimal, hex, mapped, NAT64 and 6to4", () => {
    fc.assert(
      fc.property(v4, (a) => {
        const bytes = Uint8Array.from(a);
        const verdict = isPublicAddress(bytes);
        const n = ((a[0]! << 24) >>> 0) + (a[1]! << 16) + (a[2]! << 8) + a[3]!;
        const hex = (x: number) => x.toString(16).padStart(2, "0");
        const spellings = [
          new URL(`https://${n}/`).hostname,
          new URL(`https://0x${n.toString(16)}/`).hostname,
          new URL(`https://[::ffff:${dotted(a)}]/`).hostname,
          new URL(`https://[64:ff9b::${hex(a[0]!)}${hex(a[1]!)}:${hex(a[2]!)}${hex(a[3]!)}]/`).hostname,
          new URL(`https://[2002:${hex(a[0]!)}${hex(a[1]!)}:${hex(a[2]!)}${hex(a[3]!)}::1]/`).hostname,
        ];
        return spellings.every((h) => {
          const parsed = parseAddress(h);
          return parsed !== null && isPublicAddress(parsed) === verdict;
        });
      }),
      RUNS,
    );
  });

  test("any 16 bytes survive the URL parser's spelling and back; an embedded IPv4 address decides for its IPv6 form", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        const groups = [...Array(8)].map((_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16));
        const host = new URL(`https://[${groups.join(":")}]/`).hostname;
        const parsed = parseAddress(host)!;
        const inner = embeddedIpv4(parsed);
        return (
          parsed.every((b, i) => b === bytes[i]) &&
          (inner === null || isPublicAddress(parsed) === isPublicAddress(inner))
        );
      }),
      RUNS,
    );
  });

  test("a network contains exactly the addresses that share its prefix", () => {
    fc.assert(
      fc.property(v4, v4, fc.nat(32), (a, b, prefix) => {
        const cidr = parseCidr(`${dotted(a)}/${prefix}`)!;
        const x = (a[0]! * 2 ** 24 + a[1]! * 2 ** 16 + a[2]! * 2 ** 8 + a[3]!) >>> 0;
        const y = (b[0]! * 2 ** 24 + b[1]! * 2 ** 16 + b[2]! * 2 ** 8 + b[3]!) >>> 0;
        const same = prefix === 0 || x >>> (32 - prefix) === y >>> (32 - prefix);
        return inAnyCidr(Uint8Array.from(b), [cidr]) === same;
      }),
      RUNS,
    );
  });

  test("checking any URL text gives a URL or OutboundRefused; what passes is https, without credentials, on an allowed host", () => {
    const policy = { allowedHosts: ["fcm.googleapis.com", "*.push.apple.com"] };
    const urls = fc.oneof(
      fc.webUrl({ withFragments: true, withQueryParameters: true }),
      text,
      fc.constantFrom("https://fcm.googleapis.com/x", "https://a.push.apple.com/y"),
    );
    fc.assert(
      fc.property(urls, (u) => {
        try {
          const url = checkUrl(u, policy);
          return (
            url.protocol === "https:" &&
            !url.username &&
            !url.password &&
            (url.hostname === "fcm.googleapis.com" || url.hostname.endsWith(".push.apple.com"))
          );
        } catch (err) {
          return err instanceof OutboundRefused;
        }
      }),
      RUNS,
    );
  });
});

describe("limits", () => {
  test("a token bucket never lets more through than its burst plus its rate over the time that passed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 100 }),
        fc.array(fc.tuple(fc.nat(2000), fc.nat(20)), { maxLength: 50 }),
        (rate, burst, steps) => {
          let now = 0;
          const bucket = new TokenBucket(rate, burst, () => now);
          let allowed = 0;
          for (const [dt, takes] of steps) {
            now += dt;
            for (let i = 0; i < takes; i++) if (bucket.take() === 0) allowed++;
          }
          return allowed <= burst + (now / 1000) * rate + 1e-9;
        },
      ),
      RUNS,
    );
  });

  test("the sliding-window limiter allows at most its limit within any one window, and says how long to wait", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.nat(3000), { minLength: 1, maxLength: 100 }),
        (limit, gaps) => {
          let now = 0;
          const limiter = new RateLimiter(limit, 60_000, () => now);
          const allowedAt: number[] = [];
          for (const gap of gaps) {
            now += gap;
            const wait = limiter.hit("k");
            if (wait === 0) allowedAt.push(now);
            else if (wait < 1) return false;
          }
          // The weighted estimate never undercounts the current window, so a window never holds more than 2×limit
          // across its edge and never more than limit within one fixed window.
          return allowedAt.every(
            (t) => allowedAt.filter((u) => Math.floor(u / 60_000) === Math.floor(t / 60_000)).length <= limit,
          );
        },
      ),
      RUNS,
    );
  });
});

describe("frames, bodies and settings from outside", () => {
  const frameLike = fc.oneof(
    fc.anything(),
    fc.record(
      {
        type: fc.constantFrom("hello", "send", "ping", "presence", "typing", "read", "delivered"),
        id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        since: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        conversationId: fc.oneof(fc.string({ maxLength: 120 }), fc.integer()),
        messageId: fc.oneof(fc.string({ maxLength: 120 }), fc.integer()),
        clientId: fc.oneof(fc.string({ maxLength: 120 }), fc.integer()),
        text: fc.oneof(fc.string({ maxLength: 200 }), fc.integer(), fc.constant(null)),
        status: fc.oneof(fc.constantFrom("active", "away"), fc.string()),
        attachmentIds: fc.oneof(fc.array(fc.string(), { maxLength: 12 }), fc.string()),
      },
      { requiredKeys: ["type"] },
    ),
  );

  test("every WebSocket frame schema answers any JSON value with a frame or VALIDATION_FAILED", () => {
    const schemas = [helloFrame, sendFrame, pingFrame, presenceFrame, typingFrame, receiptFrame];
    fc.assert(
      fc.property(frameLike, (v) => schemas.every((schema) => onlyClientErrors(() => parseWith(schema, v)))),
      RUNS,
    );
  });

  test("any search text becomes an FTS5 query SQLite accepts, or none at all", () => {
    const db = new Database(":memory:");
    db.run("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')");
    db.run("INSERT INTO t VALUES ('the beans are up'), ('\"quoted\" NEAR(x) AND OR NOT *')");
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          fc.string({ unit: "grapheme", maxLength: 60 }),
          fc.constantFrom('"', "*", "NEAR(", "AND OR", "a:b", "(x", "^y", "-z"),
        ),
        fc.boolean(),
        (q, prefix) => {
          const fts = formsQuery(searchWords(q), prefix);
          if (fts === null) return true;
          db.query("SELECT rowid FROM t WHERE t MATCH ?").all(fts);
          return true;
        },
      ),
      RUNS,
    );
    db.close();
  });

  test("a multipart body of any bytes yields the file or a client error, never another failure", async () => {
    const boundary = "fuzzBoundary123";
    const parts = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc
        .tuple(fc.string({ maxLength: 40 }), fc.uint8Array({ maxLength: 200 }), fc.boolean())
        .map(
          ([name, bytes, close]) =>
            new Uint8Array([
              ...new TextEncoder().encode(
                `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: text/plain\r\n\r\n`,
              ),
              ...bytes,
              ...new TextEncoder().encode(close ? `\r\n--${boundary}--\r\n` : ""),
            ]),
        ),
    );
    await fc.assert(
      fc.asyncProperty(parts, fc.integer({ min: 1, max: 7 }), async (body, chunks) => {
        const size = Math.ceil(body.length / chunks) || 1;
        const stream = new ReadableStream<Uint8Array>({
          start(c) {
            for (let i = 0; i < body.length; i += size) c.enqueue(body.slice(i, i + size));
            c.close();
          },
        });
        let received = 0;
        try {
          const part = await readFilePart(stream, boundary, "file", 150, (chunk) => void (received += chunk.length));
          return part.size === received && received <= 150;
        } catch (err) {
          return err instanceof AppError && err.code !== "INTERNAL";
        }
      }),
      { numRuns: 200 },
    );
  });

  test("any Content-Type header gives a boundary or a clear 4xx error", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          text,
          fc.constant(undefined),
          fc.string().map((b) => `multipart/form-data; boundary=${b}`),
        ),
        (ct) => onlyClientErrors(() => boundaryOf(ct)),
      ),
      RUNS,
    );
  });

  test("any value for any setting either loads or stops start-up with a ConfigError naming it", () => {
    const names = [
      "PARLEY_PORT",
      "PARLEY_SEND_RATE",
      "PARLEY_MIN_FREE_BYTES",
      "PARLEY_TRUST_PROXY",
      "PARLEY_LOG_FORMAT",
      "PARLEY_PUBLIC_URL",
      "PARLEY_OUTBOUND_ALLOWED_NETWORKS",
      "PARLEY_PUSH_CONTACT",
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.oneof(text, fc.integer().map(String), fc.constantFrom("10.0.0.0/8", "::1", "0", "true")),
        (name, value) => {
          try {
            loadConfig({ env: { [name]: value } });
            return true;
          } catch (err) {
            return err instanceof ConfigError && err.message.includes(name);
          }
        },
      ),
      RUNS,
    );
  });

  test("faults of the machine map to their retryable codes and nothing else is mistaken for one", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constantFrom(
            "ENOSPC",
            "SQLITE_FULL",
            "SQLITE_BUSY",
            "SQLITE_BUSY_SNAPSHOT",
            "SQLITE_LOCKED",
            "EDQUOT",
            "EACCES",
          ),
        ),
        (code) => {
          const mapped = faultToAppError(Object.assign(new Error("x"), { code }));
          if (["ENOSPC", "SQLITE_FULL", "EDQUOT"].includes(code))
            return mapped?.code === "STORAGE_FULL" && mapped.retryAfterSeconds! > 0;
          if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED"))
            return mapped?.code === "DATABASE_BUSY";
          return mapped === null;
        },
      ),
      RUNS,
    );
  });
});
