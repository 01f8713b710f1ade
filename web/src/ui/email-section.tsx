// The profile's email address: for password reset by mail, used only once confirmed by the link mailed to
// it. Says whether it is confirmed, and sends the link again on request.
import { useState } from "preact/hooks";
import { api, type User } from "../app/api.ts";
import { instance, me } from "../app/state.ts";
import { Form } from "./form.tsx";

export function EmailSection() {
  const user = me.value!;
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const canMail = instance.value?.features.emailPasswordReset ?? false;
  const resend = async () => {
    setError(null);
    try {
      await api("POST", "/me/email/verification");
      setNote(`A confirmation link is on its way to ${user.email}.`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <>
      <Form
        fields={[
          {
            name: "email",
            label: "Email address (for password reset)",
            type: "email",
            initial: user.email ?? "",
            required: false,
            autocomplete: "email",
          },
        ]}
        submit="Save address"
        onSubmit={async (v) => {
          setNote(null);
          me.value = (await api<{ user: User }>("PATCH", "/me", { email: v.email })).user;
          setNote(
            me.value.email && !me.value.emailVerified && canMail
              ? `Saved. Open the link we mailed to ${me.value.email} to confirm it.`
              : "Saved.",
          );
        }}
      >
        {user.email && (
          <p class={user.emailVerified ? "ok" : "hint"} role="status" aria-label="Email status">
            {user.emailVerified
              ? "✓ Confirmed: a password reset link can be mailed here."
              : "Not confirmed yet: no password reset link is mailed to it until you open the link we sent."}
          </p>
        )}
        {user.email && !user.emailVerified && canMail && (
          <button type="button" class="link-like" onClick={() => void resend()}>
            Send the confirmation link again
          </button>
        )}
        {note && (
          <p class="ok" role="status">
            {note}
          </p>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </Form>
    </>
  );
}
