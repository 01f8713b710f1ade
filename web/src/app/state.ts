import { signal } from "@preact/signals";
import { api, ApiError, type Instance, type User } from "./api.ts";

export const instance = signal<Instance | null>(null);
export const me = signal<User | null>(null);
export const loadError = signal<string | null>(null);
export const path = signal(location.pathname);

export function navigate(to: string, replace = false): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  path.value = new URL(to, location.origin).pathname;
}

addEventListener("popstate", () => {
  path.value = location.pathname;
});

/** Loads what the server says about itself and about us; decides which screen comes first. */
export async function boot(): Promise<void> {
  try {
    instance.value = await api<Instance>("GET", "/instance");
    document.title = instance.value.name;
    me.value = await api<{ user: User }>("GET", "/me").then(
      (r) => r.user,
      (err) => {
        if (err instanceof ApiError && err.status === 401) return null;
        throw err;
      },
    );
    loadError.value = null;
  } catch (err) {
    loadError.value = err instanceof Error ? err.message : String(err);
  }
}

export function signedIn(user: User): void {
  me.value = user;
  if (instance.value) instance.value = { ...instance.value, setupRequired: false };
  navigate("/", true);
}

export async function signOut(): Promise<void> {
  await api("POST", "/auth/logout");
  me.value = null;
  navigate("/login", true);
}
