// A self-signed P-256 certificate for a local HTTPS server in a test (key.pem and cert.pem in dir), made by
// openssl. `altName` is the subjectAltName: "IP:127.0.0.1" or "DNS:push.example.test".
import { join } from "node:path";

export function makeCertificate(dir: string, altName: string): void {
  const name = altName.replace(/^(IP|DNS):/, "");
  const r = Bun.spawnSync(
    ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
      .concat(["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2"])
      .concat(["-subj", `/CN=${name}`, "-addext", `subjectAltName=${altName}`]),
    { stderr: "pipe" },
  );
  if (r.exitCode !== 0) throw new Error(`openssl failed: ${r.stderr.toString()}`);
}

/** An HTTPS server on a free loopback port with the certificate made in dir (makeCertificate). */
export function serveHttps(dir: string, fetch: (req: Request) => Response | Promise<Response>) {
  return Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    tls: { cert: Bun.file(join(dir, "cert.pem")), key: Bun.file(join(dir, "key.pem")) },
    fetch,
  });
}
