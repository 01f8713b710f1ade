import { signal } from "@preact/signals";
import { keepTimeZone } from "./local-time.ts";
import { forgetEncryption } from "./e2ee.ts";
import { api, ApiError, type Instance, type Person, type User } from "./api.ts";
import { navigate, path } from "./navigation.ts";
import { startSession, stopSession } from "./session.ts";

import { instance } from "./instance.ts";

export { instance };
export const me = signal<User | null>(null);
export const loadError = signal<string | null>(null);
// Where the app is lives in navigation.ts (push notifications open conversations too); kept here for the UI.
export { navigate, path };

const CACHE_KEY = "parley:boot";

/**
 * Loads what the server says about itself and about us; decides which screen comes first. When the
 * server cannot be reached, the last answers (kept in localStorage) let a signed-in user keep going:
 * the service worker serves the app, the outbox keeps what they write, and the socket retries.
 */
export async function boot(): Promise<void> {
  try {
    // Both answers land together: routing on the instance alone would send a signed-in reload of
    // /c/<id> to the sign-in screen and lose the address.
    const [inst, user] = await Promise.all([
      api<Instance>("GET", "/instance"),
      // Asked so that "nobody" is an answer, not an error in the console of every signed-out page.
      api<{ user: User | null }>("GET", "/auth/session").then((r) => r.user),
    ]);
    me.value = user;
    instance.value = inst;
    remember();
  } catch (err) {
    const cached = recall();
    if (!(err instanceof ApiError && err.code === "OFFLINE" && cached)) {
      loadError.value = err instanceof Error ? err.message : String(err);
      return;
    }
    me.value = cached.me;
    instance.value = cached.instance;
  }
  loadError.value = null;
  document.title = instance.value.name;
  if (me.value) {
    void startSession(me.value, hooks);
    void keepTimeZone(me.value).then((user) => user && hooks.userChanged(user));
  }
}

function remember(): void {
  try {
    localStorage.setItem(CACHE_KEY, JSON.stringify({ instance: instance.value, me: me.value }));
  } catch {}
}

function recall(): { instance: Instance; me: User | null } | null {
  try {
    return JSON.parse(localStorage.getItem(CACHE_KEY) ?? "null");
  } catch {
    return null;
  }
}

const hooks = {
  userChanged(user: User | null) {
    // Signed out elsewhere: the router shows the sign-in screen (or keeps a password-reset page open).
    me.value = user;
    remember();
  },
  profileChanged(user: Person) {
    // What others see of me; my own zone is mine even when they are not shown it.
    if (me.value?.id === user.id) hooks.userChanged({ ...me.value, ...user, timeZone: me.value.timeZone });
  },
};

const RETURN_KEY = "parley:after-sign-in";

/** Where to go once signed in (an invite link opened while signed out). */
export function rememberReturn(to: string): void {
  sessionStorage.setItem(RETURN_KEY, to);
}

export function signedIn(user: User): void {
  me.value = user;
  remember();
  void startSession(user, hooks);
  void keepTimeZone(user).then((changed) => changed && hooks.userChanged(changed));
  if (instance.value) instance.value = { ...instance.value, setupRequired: false };
  const back = sessionStorage.getItem(RETURN_KEY);
  sessionStorage.removeItem(RETURN_KEY);
  navigate(back?.startsWith("/join/") ? back : "/", true);
}

export async function signOut(): Promise<void> {
  // While the session still works: this browser's encryption device is removed with it.
  await forgetEncryption();
  stopSession();
  await api("POST", "/auth/logout");
  me.value = null;
  remember();
  navigate("/login", true);
}
