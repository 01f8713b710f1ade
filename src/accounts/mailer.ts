import type { Transporter } from "nodemailer";
import type { Logger } from "../lib/log.ts";

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Queues a mail and returns at once: a slow or broken SMTP server never slows or fails the request. */
  sendLater(mail: Mail): void;
  /** Resolves when every queued mail has been handed over or has failed (shutdown, tests). */
  idle(): Promise<void>;
}

/** A mailer for the configured SMTP URL, or null when the server has none. */
export function createMailer(smtpUrl: string, from: string, log: Logger): Mailer | null {
  if (!smtpUrl) return null;
  // Loaded with the first mail: an idle server does not keep an SMTP library in memory for a reset link a month.
  let transport: Promise<Transporter> | undefined;
  const transportNow = () =>
    (transport ??= import("nodemailer").then(({ default: nodemailer }) => nodemailer.createTransport(smtpUrl)));
  const pending = new Set<Promise<unknown>>();
  return {
    sendLater(mail) {
      const p = transportNow()
        .then((t) => t.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text }))
        .catch((err: unknown) => log.warn("mail not sent", { subject: mail.subject, err }))
        .finally(() => pending.delete(p));
      pending.add(p);
    },
    async idle() {
      await Promise.all([...pending]);
    },
  };
}
