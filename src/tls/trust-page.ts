// The page that walks a device through trusting Parley's own certificate authority (PARLEY_TLS=local):
// download it, scan a QR code to open this page on a phone, the steps for each system, then continue over
// HTTPS. Offered over plain HTTP on the HTTPS port itself (a device that does not trust the authority yet
// cannot open an HTTPS page without a warning) and over HTTPS, linked from the sign-in page.
//
// Paths: /trust (and / over plain HTTP), /trust/parley-ca.crt (DER: what Android, iOS, Windows and
// Firefox install), /trust/parley-ca.pem (for Linux's ca-certificates), /trust/check (204 over HTTPS: the
// page's script fetches it to learn whether this device already trusts the authority), /trust/trust.css and
// /trust/trust.js (separate files: the page runs under a CSP without inline code).
import { X509Certificate } from "node:crypto";
import { renderSVG } from "uqr";
import { escapeHtml } from "../lib/html.ts";

const PAGE_CSP =
  "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self' https:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const STATIC = { "cache-control": "no-store", "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" };

export function answerTrustPage(
  req: Request,
  authority: string,
  where: { plain: boolean; httpsPort: number },
): Response | null {
  if (req.method !== "GET" && req.method !== "HEAD") return null;
  const url = new URL(req.url);
  const path = url.pathname.replace(/\/+$/, "") || "/";
  switch (path) {
    case "/":
      return where.plain ? page(url, authority, where.httpsPort) : null;
    case "/trust":
      return page(url, authority, where.httpsPort);
    case "/trust/parley-ca.crt":
      return new Response(new X509Certificate(authority).raw, {
        headers: { ...STATIC, "content-type": "application/x-x509-ca-cert" },
      });
    case "/trust/parley-ca.pem":
      return new Response(authority, {
        headers: {
          ...STATIC,
          "content-type": "application/x-pem-file",
          "content-disposition": 'attachment; filename="parley-ca.pem"',
        },
      });
    case "/trust/check":
      // Reached over HTTPS only when this device accepts the certificate: that is the answer.
      // Fetched by the page over plain HTTP: another origin, which may see that it answered and nothing more.
      return new Response(null, {
        status: 204,
        headers: { ...STATIC, "cross-origin-resource-policy": "cross-origin" },
      });
    case "/trust/trust.css":
      return new Response(CSS, { headers: { ...STATIC, "content-type": "text/css; charset=utf-8" } });
    case "/trust/trust.js":
      return new Response(SCRIPT, { headers: { ...STATIC, "content-type": "text/javascript; charset=utf-8" } });
    default:
      return null;
  }
}

function page(url: URL, authority: string, httpsPort: number): Response {
  const ca = new X509Certificate(authority);
  const host = url.hostname;
  const secure = `https://${host}${httpsPort === 443 ? "" : `:${httpsPort}`}/`;
  // What a phone scans: this page, over plain HTTP, at the address this device used.
  const here = `http://${url.host}/trust`;
  const name = ca.subject.match(/CN=([^\n,]+)/)?.[1] ?? "Parley";
  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trust this Parley server</title>
<link rel="stylesheet" href="/trust/trust.css">
<script src="/trust/trust.js" defer></script>
</head>
<body data-secure-url="${e(secure)}">
<main>
<h1>Set up this device for Parley</h1>
<p>This Parley server makes its own certificates, so that passkeys, notifications and installing the app work
on your home network. Each device trusts it once: download its certificate authority and follow the steps for
your system. It can only vouch for home-network names (such as <code>parley.local</code>) and private
addresses, never for other websites.</p>
<p id="already" class="ok" hidden>This device already trusts this server. Opening Parley…</p>
<p><a class="button" href="/trust/parley-ca.crt" download="parley-ca.crt">Download the certificate authority</a>
<a class="button secondary" href="${e(secure)}">Open Parley over HTTPS</a></p>
<p class="fingerprint">“${e(name)}”, SHA-256 fingerprint:<br><code>${e(ca.fingerprint256)}</code><br>
Your device shows this fingerprint while installing: they must match.</p>
<section class="qr">
<div aria-label="QR code for this page">${renderSVG(here, { border: 2 })}</div>
<p>On a phone, scan this to open this page there:<br><code>${e(here)}</code></p>
</section>
<h2>Steps for your system</h2>
<details><summary>Android</summary><ol>
<li>Tap <b>Download the certificate authority</b> above.</li>
<li>Open <b>Settings → Security &amp; privacy → More security settings → Encryption &amp; credentials → Install a certificate → CA certificate</b>, tap <b>Install anyway</b> and pick <code>parley-ca.crt</code> from Downloads.</li>
<li>Come back here and tap <b>Open Parley over HTTPS</b>.</li></ol></details>
<details><summary>iPhone and iPad</summary><ol>
<li>Open this page in Safari, tap <b>Download the certificate authority</b> and <b>Allow</b>.</li>
<li>Open <b>Settings → General → VPN &amp; Device Management</b>, tap “${e(name)}” and <b>Install</b>.</li>
<li>Open <b>Settings → General → About → Certificate Trust Settings</b> and turn on full trust for “${e(name)}”.</li></ol></details>
<details><summary>macOS</summary><ol>
<li>Download the certificate authority and open <code>parley-ca.crt</code>: Keychain Access adds it to the <b>login</b> keychain.</li>
<li>Double-click “${e(name)}” in Keychain Access, open <b>Trust</b> and set <b>When using this certificate</b> to <b>Always Trust</b>.</li>
<li>Safari and Chrome use it from now on; Firefox needs its own step (below).</li></ol></details>
<details><summary>Windows</summary><ol>
<li>Download the certificate authority and open <code>parley-ca.crt</code>, then <b>Install Certificate…</b>.</li>
<li>Choose <b>Current User</b>, then <b>Place all certificates in the following store → Browse → Trusted Root Certification Authorities</b>, <b>Finish</b> and <b>Yes</b>.</li>
<li>Restart the browser. Firefox needs its own step (below).</li></ol></details>
<details><summary>Linux</summary><ol>
<li>For the system (curl, most programs): <a href="/trust/parley-ca.pem">download the PEM file</a>, then<br>
<code>sudo cp parley-ca.pem /usr/local/share/ca-certificates/parley-ca.crt &amp;&amp; sudo update-ca-certificates</code></li>
<li>Chrome and Chromium keep their own list: <b>Settings → Privacy and security → Security → Manage certificates</b>, import it under <b>Authorities</b> and tick <b>Trust this certificate for identifying websites</b>
(or <code>certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n parley -i parley-ca.pem</code>).</li></ol></details>
<details><summary>Firefox (any system)</summary><ol>
<li>Click <b>Download the certificate authority</b> in Firefox: it asks what to trust it for. Tick <b>Trust this CA to identify websites</b>.</li>
<li>Or: <b>Settings → Privacy &amp; Security → Certificates → View Certificates → Authorities → Import…</b></li></ol></details>
</main>
</body>
</html>
`;
  return new Response(html, {
    headers: { ...STATIC, "content-type": "text/html; charset=utf-8", "content-security-policy": PAGE_CSP },
  });
}

const CSS = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
main{max-width:40rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.1rem;margin-top:2rem}
.button{display:inline-block;margin:.25rem .5rem .25rem 0;padding:.6rem 1rem;border-radius:.5rem;background:#2f6fed;color:#fff;text-decoration:none;font-weight:600}
.button.secondary{background:#fff;color:#2f6fed;border:1px solid #2f6fed}
.fingerprint code{word-break:break-all;font-size:.8rem}
.qr{display:flex;gap:1rem;align-items:center;flex-wrap:wrap}.qr svg{width:10rem;height:10rem;background:#fff}
details{background:#fff;border:1px solid #dde1e8;border-radius:.5rem;margin:.5rem 0;padding:.5rem 1rem}
summary{font-weight:600;cursor:pointer}code{background:#eef0f4;padding:0 .2rem;border-radius:.2rem}
.ok{background:#e3f6e8;border:1px solid #9bd3aa;padding:.5rem 1rem;border-radius:.5rem}
@media (prefers-color-scheme:dark){body{background:#15181e;color:#e6e8ec}details,.button.secondary{background:#1f242c;border-color:#363c47}code{background:#2a303a}.ok{background:#1d3324;border-color:#2f6b40}}
`;

// Over plain HTTP: if this device already accepts the server's certificate, go straight to HTTPS.
const SCRIPT = `(function () {
  if (location.protocol !== "http:") return;
  var secure = document.body.dataset.secureUrl;
  fetch(new URL("/trust/check", secure), { mode: "no-cors", cache: "no-store" }).then(function () {
    document.getElementById("already").hidden = false;
    location.replace(secure);
  }, function () {});
})();
`;
