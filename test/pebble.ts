// Let's Encrypt's test ACME server (Debian's pebble), started by a test on loopback ports: its directory over
// HTTPS with a certificate made here, its HTTP-01 checks sent to `validationPort` on 127.0.0.1 (its DNS is
// pebble-challtestsrv, which answers every name with 127.0.0.1), no random waits before checking.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeCertificate } from "./certificates.ts";
import { tempDir } from "./harness.ts";
import { freePort, service, type Service } from "./services.ts";

export interface Pebble {
  /** The ACME directory URL (PARLEY_ACME_DIRECTORY). */
  directory: string;
  /** The certificate of pebble's own HTTPS listener (PARLEY_ACME_CA). */
  caFile: string;
  /** The root its certificates chain to (a new one at every start), PEM. */
  root(): Promise<string>;
  server: Service;
  stop(): Promise<void>;
}

export async function startPebble(validationPort: number): Promise<Pebble> {
  const dir = tempDir("parley-pebble-");
  makeCertificate(dir, "IP:127.0.0.1");
  const [dnsPort, management, dnsManagement] = await Promise.all([freePort(), freePort(), freePort()]);
  const dns = await service(
    (port) =>
      Bun.spawn(
        ["pebble-challtestsrv", "-management", `127.0.0.1:${port}`, "-dns01", `127.0.0.1:${dnsPort}`].concat([
          "-http01",
          "",
          "-https01",
          "",
          "-tlsalpn01",
          "",
          "-defaultIPv6",
          "",
        ]),
        { stdout: "ignore", stderr: "ignore" },
      ),
    "http",
    dnsManagement,
  );
  const config = join(dir, "pebble-config.json");
  const server = await service((port) => {
    writeFileSync(
      config,
      JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${port}`,
          managementListenAddress: `127.0.0.1:${management}`,
          certificate: join(dir, "cert.pem"),
          privateKey: join(dir, "key.pem"),
          httpPort: validationPort,
          tlsPort: validationPort,
          ocspResponderURL: "",
          externalAccountBindingRequired: false,
        },
      }),
    );
    return Bun.spawn(["pebble", "-config", config, "-dnsserver", `127.0.0.1:${dnsPort}`], {
      env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" },
      stdout: "ignore",
      stderr: "ignore",
    });
  }, "https");
  return {
    directory: `https://127.0.0.1:${server.port}/dir`,
    caFile: join(dir, "cert.pem"),
    async root() {
      const res = await fetch(`https://127.0.0.1:${management}/roots/0`, {
        tls: { rejectUnauthorized: false },
      } as RequestInit);
      return res.text();
    },
    server,
    async stop() {
      await server.stop();
      await dns.stop();
    },
  };
}
