// Passkeys in the browser: the WebAuthn prompts come from @simplewebauthn/browser, loaded only when used.
import { api, type User } from "./api.ts";

export interface Passkey {
  id: string;
  name: string;
  backedUp: boolean;
  createdAt: string;
  lastUsedAt: string | null;
}

export const passkeysSupported = () =>
  typeof window !== "undefined" && typeof window.PublicKeyCredential === "function";

/** The browser's own errors, in words: closing the prompt is the common one. */
function explain(err: unknown): Error {
  const name = (err as { name?: string })?.name;
  if (name === "NotAllowedError" || name === "AbortError")
    return new Error("The passkey prompt was closed before it finished.");
  if (name === "InvalidStateError") return new Error("This device already has a passkey for your account.");
  return err instanceof Error ? err : new Error(String(err));
}

/** Sign in with a passkey: no username, the browser offers the ones it holds for this site. */
export async function signInWithPasskey(): Promise<User> {
  const { startAuthentication } = await import("@simplewebauthn/browser");
  const { options } = await api<{ options: any }>("POST", "/auth/passkey/options");
  let response;
  try {
    response = await startAuthentication({ optionsJSON: options });
  } catch (err) {
    throw explain(err);
  }
  return (await api<{ user: User }>("POST", "/auth/passkey", { response })).user;
}

export async function addPasskey(name: string): Promise<Passkey> {
  const { startRegistration } = await import("@simplewebauthn/browser");
  const { options } = await api<{ options: any }>("POST", "/me/passkeys/options");
  let response;
  try {
    response = await startRegistration({ optionsJSON: options });
  } catch (err) {
    throw explain(err);
  }
  return (await api<{ passkey: Passkey }>("POST", "/me/passkeys", { response, name: name || undefined })).passkey;
}

export const listPasskeys = () => api<{ passkeys: Passkey[] }>("GET", "/me/passkeys").then((r) => r.passkeys);
export const renamePasskey = (id: string, name: string) =>
  api("PATCH", `/me/passkeys/${encodeURIComponent(id)}`, { name });
export const removePasskey = (id: string) => api("DELETE", `/me/passkeys/${encodeURIComponent(id)}`);
export const removePassword = (currentPassword: string) =>
  api<{ user: User }>("DELETE", "/me/password", { currentPassword }).then((r) => r.user);
