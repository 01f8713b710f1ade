import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../src/config/config.ts";
import { permissionsMarkdown } from "../src/chat/permissions.ts";
import { configMarkdown, helpText } from "../src/config/help.ts";
import { settings } from "../src/config/settings.ts";
import { listMigrations, SchemaTooNewError } from "../src/store/migrate.ts";
import { openStore } from "../src/store/store.ts";
import { users } from "../src/store/schema.ts";
import { findUserById, insertUser } from "../src/accounts/users.ts";
import { inArray } from "drizzle-orm";
import { tempDir } from "./harness.ts";

describe("configuration", () => {
  test("works with nothing set", () => {
    const c = loadConfig({ env: {}, args: [] });
    expect(c.port).toBe(8080);
    expect(c.host).toBe("0.0.0.0");
    expect(c.dataDir).toBe(join(process.cwd(), "data"));
    expect(c.publicUrl).toBe("http://localhost:8080");
    expect(c.secureCookies).toBe(false);
  });

  test("flags win over the environment, which wins over defaults", () => {
    const env = {
      PARLEY_PORT: "9000",
      PARLEY_HOST: "127.0.0.1",
      PARLEY_PUBLIC_URL: "https://chat.example.com/",
      PARLEY_TRUST_PROXY: "yes",
    };
    const c = loadConfig({ env, args: ["--port", "9100", "--data-dir=/srv/parley"] });
    expect(c.port).toBe(9100);
    expect(c.host).toBe("127.0.0.1");
    expect(c.dataDir).toBe("/srv/parley");
    expect(c.publicUrl).toBe("https://chat.example.com");
    expect(c.secureCookies).toBe(true);
    expect(c.trustProxy).toBe(true);
    expect(loadConfig({ env: {}, args: ["--trust-proxy"] }).trustProxy).toBe(true);
  });

  test.each([
    [{ PARLEY_PORT: "eighty" }, [], /PARLEY_PORT must be a whole number/],
    [{ PARLEY_PORT: "70000" }, [], /between 0 and 65535/],
    [{ PARLEY_PUBLIC_URL: "chat.example.com" }, [], /must be a URL/],
    [{ PARLEY_PUBLIC_URL: "ftp://chat.example.com" }, [], /http:\/\/ or https:\/\//],
    [{ PARLEY_LOG_FORMAT: "xml" }, [], /one of auto, pretty, json/],
    [{ PARLEY_TRUST_PROXY: "maybe" }, [], /true or false/],
    [{}, ["--colour", "red"], /unknown option --colour/],
    [{}, ["--port"], /--port needs a value/],
    [{ PARLEY_PASSWORD_MIN_LENGTH: "4" }, [], /between 8 and 128/],
    // Several nodes: a bus needs the shared database and a shared bucket; a replica needs its server.
    [{ PARLEY_BUS_URL: "redis://127.0.0.1:6379" }, [], /share one database: set PARLEY_DATABASE_URL too/],
    [
      { PARLEY_BUS_URL: "redis://127.0.0.1:6379", PARLEY_DATABASE_URL: "ws://127.0.0.1:8080" },
      [],
      /several nodes \(PARLEY_BUS_URL\) need PARLEY_STORAGE=s3: a node's data folder is its own/,
    ],
    [
      { PARLEY_BUS_URL: "http://127.0.0.1:6379", PARLEY_DATABASE_URL: "ws://127.0.0.1:8080" },
      [],
      /redis:\/\/ or rediss:\/\//,
    ],
    [{ PARLEY_DATABASE_URL: "postgres://127.0.0.1" }, [], /URL of a libSQL server/],
    [{ PARLEY_DATABASE_REPLICA: "replica.db" }, [], /needs PARLEY_DATABASE_URL/],
  ])("refuses %j %j with a clear message", (env, args, message) => {
    expect(() => loadConfig({ env, args })).toThrow(ConfigError);
    expect(() => loadConfig({ env, args })).toThrow(message);
  });

  test("--help lists every setting with its flag and environment variable", () => {
    const help = helpText("9.9.9");
    expect(help).toContain("Parley 9.9.9");
    for (const s of Object.values(settings)) {
      expect(help).toContain(s.flag);
      expect(help).toContain(s.env);
    }
  });

  test("docs/permissions.md is the one generated from chat/permissions.ts (run scripts/gen-docs.ts)", () => {
    expect(readFileSync(join(import.meta.dir, "..", "docs", "permissions.md"), "utf8")).toBe(permissionsMarkdown());
  });

  test("docs/configuration.md is the one generated from the settings (run scripts/gen-docs.ts)", () => {
    const doc = readFileSync(join(import.meta.dir, "..", "docs", "configuration.md"), "utf8");
    expect(doc).toBe(configMarkdown());
    for (const s of Object.values(settings)) expect(doc).toContain(s.env);
  });
});

describe("the store", () => {
  test("every SQL file in migrations/ is in the journal, in order", () => {
    const dir = join(import.meta.dir, "..", "migrations");
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".sql"))
      .sort();
    expect(listMigrations().map((m) => `${m.tag}.sql`)).toEqual(files);
  });

  test("migrates a new database and reopens an existing one without changes", () => {
    const dir = join(tempDir(), "data");
    const first = openStore(dir);
    first.sqlite.run("INSERT INTO instance_settings (key, value, updated_at) VALUES ('instanceName', '\"Home\"', 1)");
    first.close();
    const again = openStore(dir);
    const versions = again.sqlite.query<{ version: number }, []>("SELECT version FROM schema_migrations").all();
    expect(versions.map((v) => v.version)).toEqual(listMigrations().map((m) => m.version));
    expect(again.sqlite.query<any, []>("SELECT value FROM instance_settings").get().value).toBe('"Home"');
    expect(again.isReady()).toBe(true);
    again.close();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  test("refuses a database written by a newer Parley, with a clear message, and leaves it as it was", () => {
    const dir = join(tempDir(), "data");
    openStore(dir).close();
    const raw = new Database(join(dir, "parley.db"));
    raw.run("INSERT INTO schema_migrations (version, tag, applied_at) VALUES (999, '0998_future', 1)");
    raw.close();
    expect(() => openStore(dir)).toThrow(SchemaTooNewError);
    expect(() => openStore(dir)).toThrow(/schema version 999.*only knows up to version/);
    const check = new Database(join(dir, "parley.db"));
    expect(check.query<any, []>("SELECT max(version) AS v FROM schema_migrations").get().v).toBe(999);
    check.close();
  });

  test("cached statements keep answering right after hundreds of distinct queries push them out", () => {
    const store = openStore(join(tempDir(), "data"));
    store.transaction((tx) => {
      for (let i = 0; i < 700; i++)
        insertUser(tx, {
          id: `u${i}`,
          username: `user${i}`,
          displayName: `User ${i}`,
          passwordHash: "x",
          role: "member",
        });
    });
    const first = findUserById(store.db, "u1");
    // IN lists of every length from 1 to 700: more distinct statement texts than the cache holds.
    for (let n = 1; n <= 700; n++) {
      const ids = Array.from({ length: n }, (_, i) => `u${i}`);
      expect(store.db.select({ id: users.id }).from(users).where(inArray(users.id, ids)).all()).toHaveLength(n);
    }
    // The statements used first were evicted long ago; they are compiled again and give the same rows.
    expect(findUserById(store.db, "u1")).toEqual(first!);
    expect(first!.displayName).toBe("User 1");
    store.transaction((tx) => expect(findUserById(tx, "u699")?.username).toBe("user699"));
    store.close();
  });
});
