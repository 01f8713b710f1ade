// What an import reports back: the wire contract of the admin area's import (ops/slack-import.ts).

/** Why something was left out, and how often. */
export type Skipped = Record<string, number>;

/** What an import from Slack brought over, and what it left out with why (ops/slack-import.ts). */
export interface SlackImportReport {
  people: {
    created: number;
    /** Already here: an account with the same confirmed email, or from an earlier run. */
    existing: number;
    skipped: Skipped;
    /** Each new person's link to choose a password (send it to them). */
    links: { username: string; displayName: string; url: string }[];
  };
  groups: { created: number; existing: number; skipped: Skipped };
  messages: { imported: number; existing: number; threadReplies: number; skipped: Skipped };
  reactions: { imported: number; skipped: Skipped };
  files: { imported: number; skipped: Skipped };
}
