// The web app's own end-to-end encryption (web/src/e2ee/device.ts) driven from tests: a device with an
// in-memory vault and the harness's HTTP client, so server tests run the same MLS code browsers run.
import { ApiError, E2eeDevice, type Readable, type Transport, type Vault } from "../web/src/e2ee/device.ts";
import type { Person, TestServer } from "./harness.ts";

export class MemoryVault implements Vault {
  readonly data = new Map<string, string>();
  async get(key: string) {
    return this.data.get(key);
  }
  async set(entries: Record<string, string>) {
    for (const [k, v] of Object.entries(entries)) this.data.set(k, v);
  }
  async delete(key: string) {
    this.data.delete(key);
  }
  async list(prefix: string): Promise<[string, string][]> {
    return [...this.data].filter(([k]) => k.startsWith(prefix));
  }
}

/** A device's transport over any client that answers status and parsed body; errors carry their code. */
export function transportOf(
  call: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>,
): Transport {
  return {
    async call(method, path, body) {
      const r = await call(method, path, body);
      if (r.status >= 400)
        throw new ApiError(r.body?.error?.code ?? "UNKNOWN", r.body?.error?.message ?? String(r.status));
      return r.body;
    },
  };
}

export function transportFor(s: () => TestServer, p: Person): Transport {
  return transportOf((method, path, body) => s().call(method, `/api/v1${path}`, { token: p.token, body }));
}

/** A device of someone's, and what it has read so far (by message id). */
export interface TestDevice {
  device: E2eeDevice;
  vault: MemoryVault;
  read: Map<string, Readable>;
}

export async function openDevice(s: () => TestServer, p: Person, vault = new MemoryVault()): Promise<TestDevice> {
  const read = new Map<string, Readable>();
  const device = await E2eeDevice.open({
    userId: p.user.id,
    name: "Test device",
    vault,
    api: transportFor(s, p),
    onReadable: (id, r) => read.set(id, r),
  });
  return { device, vault, read };
}

/** Sends an encrypted message from the device over HTTP; answers the stored message. */
export async function sendSealed(
  s: TestServer,
  p: Person,
  d: TestDevice,
  conversationId: string,
  text: string,
): Promise<any> {
  const clientId = crypto.randomUUID();
  const encrypted = await d.device.seal(conversationId, clientId, { text, files: [] });
  const r = await s.call("POST", `/api/v1/conversations/${conversationId}/messages`, {
    token: p.token,
    body: { clientId, encrypted },
  });
  if (r.status !== 201) throw new Error(`send failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.message;
}
