// What a message's text means beyond its characters, where both sides need the same answer: its plain
// preview (the conversation list, reply quotes, push notifications). Pure, with no imports but the
// shortcode table.
import { emojiFor } from "./emoji.ts";

/** Plain text of a message for previews (list, notifications, reply quotes): no markers. */
export function previewText(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, (m) => m.slice(3, -3).trim())
    .replace(/^>\s?/gm, "")
    .replace(/^\s*(?:[-*•]|\d{1,6}[.)])\s+/gm, "")
    .replace(/\[([^\]\n]{1,200})\]\((https?:\/\/[^\s()<>"']+)\)/gi, "$1")
    .replace(/\*\*(\S(?:[^*]*\S)?)\*\*/g, "$1")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/:([a-z0-9_+-]{1,32}):/g, (whole, name: string) => emojiFor(name) ?? whole)
    .replace(/\s+/g, " ")
    .trim();
}
