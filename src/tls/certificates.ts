// Certificates Parley makes itself (@peculiar/x509 over WebCrypto, P-256 keys): the home network's certificate
// authority and the server certificates it signs (PARLEY_TLS=local), and the short-lived self-signed one an
// acme start serves until the CA has issued the real one. Keys are PKCS#8 PEM, as Bun's TLS and node:crypto
// read them.
import { isIP } from "node:net";

let libraries:
  | Promise<
      [typeof import("@peculiar/x509"), typeof import("@peculiar/asn1-x509"), typeof import("@peculiar/asn1-schema")]
    >
  | undefined;
/**
 * Loaded when TLS is acme or local, not by every server: the X.509 code is large. Its dependency injection
 * needs the Reflect polyfill evaluated first (as for the WebAuthn library, accounts/passkeys.ts).
 */
const load = () =>
  (libraries ??= import("reflect-metadata").then(() =>
    Promise.all([import("@peculiar/x509"), import("@peculiar/asn1-x509"), import("@peculiar/asn1-schema")]),
  ));

const ecdsa = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY = 86_400_000;
/** id-ce-nameConstraints (RFC 5280, 4.2.1.10). */
const NAME_CONSTRAINTS = "2.5.29.30";

export interface Pem {
  cert: string;
  key: string;
}

const newKeys = () => crypto.subtle.generateKey(ecdsa, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;

async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey("pkcs8", key));
  const lines = der
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n");
  return `-----BEGIN PRIVATE KEY-----\n${lines}\n-----END PRIVATE KEY-----\n`;
}

async function signingKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return crypto.subtle.importKey("pkcs8", der, ecdsa, false, ["sign"]);
}

/** A leaf for a TLS server: not a CA, signature only, server authentication, for these names. */
const serverExtensions = (x509: typeof import("@peculiar/x509"), names: string[]) => [
  new x509.BasicConstraintsExtension(false, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
  new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
  new x509.SubjectAlternativeNameExtension(
    names.map((n) => ({ type: isIP(n) ? ("ip" as const) : ("dns" as const), value: n })),
  ),
];

/** A certificate for `names` signed by its own key, valid `days` (the ACME start's stand-in). */
export async function selfSigned(names: string[], days: number, now = new Date()): Promise<Pem> {
  const [x509] = await load();
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${names[0]}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + days * DAY),
    keys,
    signingAlgorithm: ecdsa,
    extensions: serverExtensions(x509, names),
  });
  return { cert: cert.toString("pem") + "\n", key: await keyPem(keys.privateKey) };
}

/**
 * A certificate authority for a home network. Its name constraints let it vouch only for the names and
 * addresses a home network uses (`permitted`: DNS suffixes and CIDR blocks): a device that trusts it
 * trusts it for parley.local or 192.168.1.20, never for a bank's site, even if its key were stolen.
 */
export async function makeAuthority(commonName: string, permitted: string[], years: number, now = new Date()) {
  const [x509, { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints }, { AsnConvert }] = await load();
  const keys = await newKeys();
  const constraints = new NameConstraints({
    permittedSubtrees: new GeneralSubtrees(
      permitted.map(
        (p) => new GeneralSubtree({ base: new GeneralName(p.includes("/") ? { iPAddress: p } : { dNSName: p }) }),
      ),
    ),
  });
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}, O=Parley`,
    notBefore: now,
    notAfter: new Date(now.getTime() + years * 365 * DAY),
    keys,
    signingAlgorithm: ecdsa,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.Extension(NAME_CONSTRAINTS, true, AsnConvert.serialize(constraints)),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString("pem") + "\n", key: await keyPem(keys.privateKey) };
}

/** A server certificate for `names`, signed by the authority, valid over `validity`. */
export async function issueByAuthority(
  authority: Pem,
  names: string[],
  validity: { from: Date; to: Date },
): Promise<Pem> {
  const [x509] = await load();
  const ca = new x509.X509Certificate(authority.cert);
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${names[0]}`,
    issuer: ca.subject,
    notBefore: validity.from,
    notAfter: validity.to,
    publicKey: keys.publicKey,
    signingKey: await signingKey(authority.key),
    signingAlgorithm: ecdsa,
    extensions: [...serverExtensions(x509, names), await x509.AuthorityKeyIdentifierExtension.create(ca)],
  });
  return { cert: cert.toString("pem") + "\n", key: await keyPem(keys.privateKey) };
}

/** The names and networks (CIDR) an authority made by makeAuthority may vouch for. */
export async function permittedNames(authority: string): Promise<string[]> {
  const [x509, { NameConstraints }, { AsnConvert }] = await load();
  const extension = new x509.X509Certificate(authority).getExtension(NAME_CONSTRAINTS);
  if (!extension) return [];
  const constraints = AsnConvert.parse(extension.value, NameConstraints);
  return (constraints.permittedSubtrees ?? []).map((t) => t.base.dNSName ?? t.base.iPAddress ?? "").filter(Boolean);
}
