import { useEffect, useState } from "preact/hooks";
import { api, ApiError, type User } from "../app/api.ts";
import { instance, me, navigate, signedIn } from "../app/state.ts";
import { connectionTrusted } from "../app/secure-origin.ts";
import { Card, Form, Link, type FieldSpec } from "./form.tsx";

const usernameField: FieldSpec = {
  name: "username",
  label: "Username",
  autocomplete: "username",
  minLength: 3,
  maxLength: 32,
  hint: "3–32 letters, digits, '.', '_' or '-'. People find you by it.",
};
const displayNameField: FieldSpec = {
  name: "displayName",
  label: "Your name",
  autocomplete: "name",
  maxLength: 64,
  hint: "Shown next to your messages.",
};

function newPasswordField(label = "Password"): FieldSpec {
  const min = instance.value?.passwordMinLength ?? 8;
  return {
    name: "password",
    label,
    type: "password",
    autocomplete: "new-password",
    minLength: min,
    maxLength: 256,
    hint: `At least ${min} characters.`,
  };
}

export function SetupPage() {
  return (
    <Card
      title={`Welcome to ${instance.value?.name ?? "Parley"}`}
      subtitle="Create the administrator account. You will invite everyone else."
    >
      <ConnectionNotice />
      <Form
        fields={[displayNameField, usernameField, newPasswordField()]}
        submit="Create admin account"
        onSubmit={async (v) => signedIn((await api<{ user: User }>("POST", "/setup", v)).user)}
      />
    </Card>
  );
}

/**
 * Said before signing in when the browser does not trust the connection: with Parley's own certificate
 * authority, a link to the page that sets this device up; otherwise what an administrator can do.
 */
function ConnectionNotice() {
  if (connectionTrusted.value) return null;
  return (
    <p class="connection-notice" role="note">
      {instance.value?.features.trustPage ? (
        <>
          This device does not trust this server's certificate yet, so passkeys and notifications cannot work here.{" "}
          <a href="/trust">Set up this device</a>
        </>
      ) : (
        <>
          This connection is not secure (no HTTPS): passkeys, notifications and installing the app cannot work. An
          administrator can turn HTTPS on (PARLEY_TLS; see the README).
        </>
      )}
    </p>
  );
}

/** "Sign in with a passkey": no username, the browser offers this site's passkeys. */
function PasskeySignIn() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (typeof window.PublicKeyCredential !== "function") return null;
  return (
    <div class="passkey-sign-in">
      <button
        type="button"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            const { signInWithPasskey } = await import("../app/passkeys.ts");
            signedIn(await signInWithPasskey());
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        🔑 Sign in with a passkey
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

export function LoginPage() {
  const mode = instance.value?.registrationMode;
  return (
    <Card title={`Sign in to ${instance.value?.name ?? "Parley"}`}>
      {instance.value?.logoUrl && <img class="card-logo" src={instance.value.logoUrl} alt="" />}
      <ConnectionNotice />
      <PasskeySignIn />
      <Form
        fields={[
          { name: "username", label: "Username", autocomplete: "username" },
          { name: "password", label: "Password", type: "password", autocomplete: "current-password" },
        ]}
        submit="Sign in"
        onSubmit={async (v) => signedIn((await api<{ user: User }>("POST", "/auth/login", v)).user)}
      >
        <p class="links">
          {/* On an invite-only server an account starts from an invite link, not from here. */}
          {mode === "open" && (
            <Link href="/register" onNavigate={navigate}>
              Create an account
            </Link>
          )}
          {instance.value?.features.emailPasswordReset ? (
            <Link href="/forgot-password" onNavigate={navigate}>
              Forgot your password?
            </Link>
          ) : (
            <details class="forgot">
              <summary>Forgot your password?</summary>
              <span class="hint">Ask an administrator of this server: they can give you a link to set a new one.</span>
            </details>
          )}
        </p>
        {mode === "invite" && <p class="hint">New here? You need an invite link from someone on this server.</p>}
      </Form>
    </Card>
  );
}

/** The invite in the address, checked as the page opens: null while asking, then whether it works. */
function useInviteCheck(code: string): { ok: boolean; reason?: string } | null {
  const [state, setState] = useState<{ ok: boolean; reason?: string } | null>(code ? null : { ok: true });
  useEffect(() => {
    if (!code) return;
    api("GET", `/invites/${encodeURIComponent(code)}`).then(
      () => setState({ ok: true }),
      (err: Error) =>
        setState(err instanceof ApiError && err.status < 500 ? { ok: false, reason: err.message } : { ok: true }),
    );
  }, [code]);
  return state;
}

/** Back to signing in, from the registration screens. */
function HaveAnAccount() {
  return (
    <p class="links">
      <Link href="/login" onNavigate={navigate}>
        I already have an account
      </Link>
    </p>
  );
}

export function RegisterPage() {
  const mode = instance.value?.registrationMode;
  const invite = new URLSearchParams(location.search).get("invite") ?? "";
  const check = useInviteCheck(invite);
  if (invite && check === null) return <Card title="Checking your invite…" />;
  if (check && !check.ok) {
    return (
      <Card title="This invite link does not work" subtitle={check.reason}>
        <p class="hint">Ask the person who sent it for a new one.</p>
        <HaveAnAccount />
      </Card>
    );
  }
  if (mode === "closed") {
    return (
      <Card title="Registration is closed" subtitle="Ask the administrator of this server for an account.">
        <p class="links">
          <Link href="/login" onNavigate={navigate}>
            Back to sign in
          </Link>
        </p>
      </Card>
    );
  }
  const fields = [displayNameField, usernameField, newPasswordField()];
  if (mode === "invite" || invite) {
    fields.push({
      name: "inviteCode",
      label: "Invite code",
      initial: invite,
      required: mode === "invite",
      hint: "From the invite link you were sent.",
    });
  }
  return (
    <Card title={`Join ${instance.value?.name ?? "Parley"}`}>
      <Form
        fields={fields}
        submit="Create account"
        onSubmit={async (v) => {
          const body: Record<string, string> = { ...v };
          if (!body.inviteCode) delete body.inviteCode;
          signedIn((await api<{ user: User }>("POST", "/auth/register", body)).user);
        }}
      >
        <HaveAnAccount />
      </Form>
    </Card>
  );
}

export function ForgotPasswordPage() {
  const [sent, setSent] = useState(false);
  if (sent)
    return (
      <Card
        title="Check your email"
        subtitle="If that account has an email address, a reset link is on its way. It works for one hour."
      />
    );
  return (
    <Card title="Reset your password" subtitle="We will email a reset link to the address on your account.">
      <Form
        fields={[{ name: "login", label: "Username or email", autocomplete: "username" }]}
        submit="Send reset link"
        onSubmit={async (v) => {
          await api("POST", "/auth/password-reset/request", v);
          setSent(true);
        }}
      />
    </Card>
  );
}

export function ResetPasswordPage() {
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const [state, setState] = useState<{ username?: string; error?: string; done?: boolean }>({});
  useEffect(() => {
    api<{ user: { username: string } }>("GET", `/auth/password-reset/${encodeURIComponent(token)}`).then(
      (r) => setState({ username: r.user.username }),
      (err: Error) => setState({ error: err.message }),
    );
  }, [token]);
  if (state.error) return <Card title="This link does not work" subtitle={state.error} />;
  if (state.done) {
    return (
      <Card title="Password changed" subtitle="Sign in with your new password. You were signed out everywhere else.">
        <p class="links">
          <Link href="/login" onNavigate={navigate}>
            Sign in
          </Link>
        </p>
      </Card>
    );
  }
  if (!state.username) return <Card title="Checking the link…" />;
  return (
    <Card title="Choose a new password" subtitle={`For @${state.username}`}>
      <Form
        fields={[newPasswordField("New password")]}
        submit="Set password"
        onSubmit={async (v) => {
          await api("POST", "/auth/password-reset", { token, password: v.password });
          // The server signed this account out everywhere, this browser included.
          me.value = null;
          setState({ done: true });
        }}
      />
    </Card>
  );
}

/** The page a confirmation link opens: the address is confirmed (signed in or not, on any device). */
export function VerifyEmailPage() {
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const [state, setState] = useState<{ email?: string; error?: string }>({});
  useEffect(() => {
    api<{ email: string }>("POST", "/auth/verify-email", { token }).then(
      (r) => {
        setState({ email: r.email });
        if (me.value) me.value = { ...me.value, emailVerified: true };
      },
      (err: Error) => setState({ error: err.message }),
    );
  }, [token]);
  if (state.error) return <Card title="This link does not work" subtitle={state.error} />;
  if (!state.email) return <Card title="Confirming your address…" />;
  return (
    <Card title="Email address confirmed" subtitle={`A password reset link can now be mailed to ${state.email}.`}>
      <p class="links">
        <Link href="/" onNavigate={navigate}>
          Open Parley
        </Link>
      </p>
    </Card>
  );
}
