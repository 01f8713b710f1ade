import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { ApiError } from "../app/api.ts";

export interface FieldSpec {
  name: string;
  label: string;
  type?: "text" | "password" | "email";
  autocomplete?: string;
  hint?: string;
  required?: boolean;
  minLength?: number;
  maxLength?: number;
  initial?: string;
}

/**
 * A form that submits its fields as one object, shows the server's message under the field it names
 * (or above the button when it names none), and cannot be submitted twice while a request is out.
 */
export function Form(props: {
  fields: FieldSpec[];
  submit: string;
  onSubmit: (values: Record<string, string>) => Promise<void>;
  /** Shown between the fields and the button (more to fill in that is not a plain field). */
  before?: ComponentChildren;
  children?: ComponentChildren;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; field?: string } | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    const data = new FormData(e.currentTarget as HTMLFormElement);
    const values: Record<string, string> = {};
    for (const f of props.fields) values[f.name] = String(data.get(f.name) ?? "");
    setBusy(true);
    setError(null);
    try {
      await props.onSubmit(values);
    } catch (err) {
      const field = err instanceof ApiError && props.fields.some((f) => f.name === err.field) ? err.field : undefined;
      setError({ message: err instanceof Error ? err.message : String(err), field });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} noValidate={false}>
      {props.fields.map((f) => (
        <label class="field" key={f.name}>
          <span>{f.label}</span>
          <input
            name={f.name}
            type={(f.type ?? "text") as "text"}
            autoComplete={f.autocomplete}
            required={f.required ?? true}
            minLength={f.minLength}
            maxLength={f.maxLength}
            defaultValue={f.initial}
            aria-invalid={error?.field === f.name}
            aria-describedby={error?.field === f.name ? `${f.name}-error` : undefined}
          />
          {error?.field === f.name ? (
            <small id={`${f.name}-error`} class="error" role="alert">
              {error.message}
            </small>
          ) : (
            f.hint && <small class="hint">{f.hint}</small>
          )}
        </label>
      ))}
      {props.before}
      {error && !error.field && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
      <button type="submit" class="primary" disabled={busy}>
        {busy ? "Please wait…" : props.submit}
      </button>
      {props.children}
    </form>
  );
}

export function Card(props: { title: string; subtitle?: string; children?: ComponentChildren }) {
  return (
    <main class="card">
      <h1>{props.title}</h1>
      {props.subtitle && <p class="subtitle">{props.subtitle}</p>}
      {props.children}
    </main>
  );
}

export function Link(props: { href: string; children: ComponentChildren; onNavigate: (href: string) => void }) {
  return (
    <a
      href={props.href}
      onClick={(e) => {
        if (e.ctrlKey || e.metaKey || e.shiftKey) return;
        e.preventDefault();
        props.onNavigate(props.href);
      }}
    >
      {props.children}
    </a>
  );
}
