import { describe, expect, test } from "bun:test";
import { setUp, startTestServer } from "./harness.ts";

describe("unexpected failures", () => {
  test("answer a generic 500 with a request id, and log the details under that id", async () => {
    const s = await startTestServer();
    try {
      const { token } = await setUp(s);
      // Break the database underneath the running server.
      s.running.app.deps.store.sqlite.run("DROP TABLE invites");
      const r = await s.call("POST", "/api/v1/admin/invites", { token, body: {} });
      expect(r.status).toBe(500);
      expect(r.body.error.code).toBe("INTERNAL");
      expect(r.body.error.message).toBe("Something went wrong on the server.");
      expect(JSON.stringify(r.body)).not.toContain("invites"); // no internals leak to the client
      const id = r.body.error.requestId;
      expect(id).toBe(r.headers.get("x-request-id"));
      const logged = s.logs.map((l) => JSON.parse(l)).find((l) => l.level === "error" && l.requestId === id);
      expect(logged.err.message).toContain("no such table: invites");
      expect((await s.call("GET", "/readyz")).status).toBe(200);
      expect((await s.call("GET", "/api/v1/me", { token })).status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
