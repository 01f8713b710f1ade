// The API client: JSON in, JSON out, errors as ApiError with the server's code and field.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: "same-origin",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "OFFLINE", "Cannot reach the server. Check your connection and try again.");
  }
  if (res.status === 204) return undefined as T;
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = data?.error;
    throw new ApiError(res.status, err?.code ?? "INTERNAL", err?.message ?? `The server answered ${res.status}.`, err?.field);
  }
  return data as T;
}

export interface User {
  id: string;
  username: string;
  displayName: string;
  avatarUrl: string | null;
  bio: string;
  email: string | null;
  role: "admin" | "member";
}

export interface Instance {
  name: string;
  version: string;
  setupRequired: boolean;
  registrationMode: "open" | "invite" | "closed";
  features: { emailPasswordReset: boolean };
  passwordMinLength: number;
}

export interface Invite {
  code: string;
  url: string;
  maxUses: number | null;
  uses: number;
  expiresAt: string | null;
  usable: boolean;
}
