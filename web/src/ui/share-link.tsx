import { useEffect, useRef, useState } from "preact/hooks";
import { addresses, chosenOrigin, loadAddresses, shareable } from "../app/share-links.ts";
import { lazy } from "./lazy.tsx";

// The QR encoder is only for invite links: it loads when one is shown.
const QrCode = lazy(() => import("./qr-code.tsx").then((m) => m.QrCode));

/** A link for someone else: shown whole, copied with one press, and as a QR code for a phone when asked. */
export function ShareLink(props: { url: string; label: string; qr?: boolean }) {
  const link = shareable(props.url);
  const input = useRef<HTMLTextAreaElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => setCopied(false), [link]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
    } catch {
      // No clipboard API on a plain-http address other than localhost: the selection and the old command work.
      input.current?.select();
      document.execCommand("copy");
    }
    setCopied(true);
  };
  return (
    <div class="share-link">
      <div class="share-row">
        <textarea
          ref={input}
          readOnly
          rows={2}
          value={link}
          aria-label={props.label}
          onFocus={(e) => e.currentTarget.select()}
        />
        <button type="button" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      {props.qr && <QrCode text={link} label="QR code to scan with a phone" />}
    </div>
  );
}

/**
 * For the admin, when Parley was not told its public address: which address links use, that people on the
 * same network can open it, how to set it for good, and a choice when the machine has several.
 */
export function AddressHint(props: { url: string }) {
  useEffect(() => void loadAddresses().catch(() => {}), []);
  const a = addresses.value;
  if (!a || a.publicUrlConfigured) return null;
  const origin = new URL(shareable(props.url)).origin;
  const fromPage = origin === location.origin;
  if (a.localOnly && !fromPage)
    return (
      <p class="hint address-hint">
        Parley listens on this computer only (<code>PARLEY_HOST</code> is a loopback address), so other devices cannot
        open this link. Behind a reverse proxy, set <code>PARLEY_PUBLIC_URL</code> to the address people use; to let
        devices on your network connect directly, start Parley with <code>PARLEY_HOST=0.0.0.0</code>.
      </p>
    );
  if (a.origins.length === 0 && !fromPage)
    return (
      <p class="hint address-hint">
        This computer has no network address that others could use, so this link only works here. Set{" "}
        <code>PARLEY_PUBLIC_URL</code> to the address people use to reach Parley.
      </p>
    );
  return (
    <div class="hint address-hint">
      <p>
        Parley was not told its public address, so this link uses <strong>{origin}</strong>
        {fromPage ? ", the address you opened it at" : `, an address of ${a.hostname} on your network`}. People on the
        same network (Wi-Fi) can open it. To fix the address for good, start Parley with{" "}
        <code>PARLEY_PUBLIC_URL={origin}</code> (or your domain name).
      </p>
      {!fromPage && a.origins.length > 1 && (
        <label class="field">
          <span>Address in links</span>
          <select value={origin} onChange={(e) => (chosenOrigin.value = e.currentTarget.value)}>
            {a.origins.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}
