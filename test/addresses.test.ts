// What the admin is told about reaching the server from other devices when no public URL is set. The
// machine's interfaces are given to the pure function as data; nothing on the network is contacted.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { reachableOrigins } from "../src/ops/addresses.ts";
import { addMember, setUp, startTestServer, type TestServer } from "./harness.ts";

const iface = (address: string, family: "IPv4" | "IPv6", internal = false) => ({
  address,
  family,
  internal,
  netmask: "",
  mac: "00:00:00:00:00:00",
  cidr: null,
  ...(family === "IPv6" ? { scopeid: 0 } : {}),
});
// Documentation addresses (RFC 5737, RFC 3849) stand for a machine's own: they are only text here.
const machine = {
  lo: [iface("127.0.0.1", "IPv4", true), iface("::1", "IPv6", true)],
  eth0: [iface("192.0.2.20", "IPv4"), iface("fe80::1", "IPv6"), iface("2001:db8::20", "IPv6")],
  wlan0: [iface("198.51.100.7", "IPv4"), iface("169.254.3.4", "IPv4")],
} as any;

describe("the addresses others can use", () => {
  test("listening on every IPv4 address: each of the machine's, without loopback and link-local", () => {
    expect(reachableOrigins("0.0.0.0", 8080, machine)).toEqual(["http://192.0.2.20:8080", "http://198.51.100.7:8080"]);
    // With HTTPS from Parley itself (PARLEY_TLS), the same addresses over https.
    expect(reachableOrigins("0.0.0.0", 8443, machine, "https")).toEqual([
      "https://192.0.2.20:8443",
      "https://198.51.100.7:8443",
    ]);
  });

  test("listening on :: takes IPv6 as well, IPv4 first", () => {
    expect(reachableOrigins("::", 80, machine)).toEqual([
      "http://192.0.2.20:80",
      "http://198.51.100.7:80",
      "http://[2001:db8::20]:80",
    ]);
  });

  test("listening on one address: that one; on loopback: none", () => {
    expect(reachableOrigins("198.51.100.7", 8080, machine)).toEqual(["http://198.51.100.7:8080"]);
    expect(reachableOrigins("127.0.0.1", 8080, machine)).toEqual([]);
    expect(reachableOrigins("::1", 8080, machine)).toEqual([]);
    expect(reachableOrigins("localhost", 8080, machine)).toEqual([]);
    // Loopback in its other spellings too.
    expect(reachableOrigins("::ffff:127.0.0.1", 8080, machine)).toEqual([]);
    expect(reachableOrigins("0:0:0:0:0:0:0:1", 8080, machine)).toEqual([]);
  });
});

describe("GET /api/v1/admin/addresses", () => {
  let s: TestServer;
  let admin: string;
  let member: string;
  beforeAll(async () => {
    s = await startTestServer();
    admin = (await setUp(s)).token;
    member = (await addMember(s, admin, "ben")).token;
  });
  afterAll(() => s.stop());

  test("tells an admin that links say localhost, and that this server listens on loopback only", async () => {
    const r = await s.call("GET", "/api/v1/admin/addresses", { token: admin });
    expect(r.status).toBe(200);
    expect(r.body.addresses).toMatchObject({
      publicUrl: s.running.config.publicUrl,
      publicUrlConfigured: false,
      localOnly: true,
      origins: [],
    });
    expect(typeof r.body.addresses.hostname).toBe("string");
  });

  test("is for admins only", async () => {
    expect((await s.call("GET", "/api/v1/admin/addresses", { token: member })).status).toBe(403);
    expect((await s.call("GET", "/api/v1/admin/addresses")).status).toBe(401);
  });

  test("with a public URL set, there is nothing to suggest", async () => {
    const t = await startTestServer({ publicUrl: "https://chat.example.com" });
    try {
      const token = (await setUp(t)).token;
      const r = await t.call("GET", "/api/v1/admin/addresses", { token });
      expect(r.body.addresses).toMatchObject({
        publicUrl: "https://chat.example.com",
        publicUrlConfigured: true,
        origins: [],
      });
    } finally {
      await t.stop();
    }
  });
});
