// Slack's message markup ("mrkdwn") as the Markdown Parley renders: <@U123> becomes @username, <#C1|general>
// #general, <https://x|words> [words](https://x), *bold* **bold**, ~struck~ as it is, and &lt; &gt; &amp; the
// characters they stand for. Reaction names (":+1::skin-tone-3:") become the emoji.
import { emojiFor } from "../protocol/emoji.ts";
import groups from "unicode-emoji-json/data-by-group.json";

/** Slack's escapes: the only three it uses in message text. */
const unescape = (t: string) => t.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");

export function slackToMarkdown(text: string, usernameOf: (slackUserId: string) => string | null): string {
  const linked = text.replace(/<([^<>\n]{1,2000})>/g, (whole, inner: string) => {
    const [target = "", label] = inner.split("|", 2);
    if (target.startsWith("@")) {
      const name = usernameOf(target.slice(1));
      return name ? `@${name}` : `@${label ?? "someone"}`;
    }
    if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
    if (target.startsWith("!")) return target === "!channel" || target === "!here" ? "@everyone" : (label ?? "");
    if (/^(https?|mailto):/i.test(target)) {
      const url = unescape(target);
      return label && label !== url ? `[${unescape(label)}](${url})` : url;
    }
    return whole;
  });
  // *bold* (Slack's single stars) → **bold**; _italic_ is the same in both.
  return unescape(linked.replace(/(^|[\s(])\*(\S(?:[^*\n]*\S)?)\*(?=$|[\s).,!?:;])/g, "$1**$2**"));
}

const SKIN: Record<string, string> = {
  "skin-tone-2": "\u{1F3FB}",
  "skin-tone-3": "\u{1F3FC}",
  "skin-tone-4": "\u{1F3FD}",
  "skin-tone-5": "\u{1F3FE}",
  "skin-tone-6": "\u{1F3FF}",
};

/** Unicode's names as Slack spells many of its own ("party_popper", "thumbs_up"). */
const BY_SLUG = new Map<string, string>();
for (const g of groups) for (const e of g.emojis) BY_SLUG.set(e.slug, e.emoji);

/** Slack names that differ from both tables, for the reactions people use most. */
const SLACK_NAMES: Record<string, string> = {
  "+1": "👍",
  "-1": "👎",
  thumbsup: "👍",
  thumbsdown: "👎",
  heart: "❤️",
  joy: "😂",
  tada: "🎉",
  raised_hands: "🙌",
  pray: "🙏",
  eyes: "👀",
  white_check_mark: "✅",
  heavy_check_mark: "✔️",
  slightly_smiling_face: "🙂",
  smile: "😄",
  laughing: "😆",
  fire: "🔥",
  rocket: "🚀",
  clap: "👏",
  wave: "👋",
  ok_hand: "👌",
  muscle: "💪",
  thinking_face: "🤔",
  100: "💯",
};

/** The emoji for a Slack reaction name, skin tone included; null for a custom emoji of that workspace. */
export function slackEmoji(name: string): string | null {
  const [base = "", tone] = name.split("::");
  const emoji = SLACK_NAMES[base] ?? emojiFor(base) ?? BY_SLUG.get(base) ?? null;
  if (!emoji) return null;
  const modifier = tone ? SKIN[tone] : undefined;
  return modifier ? [...emoji][0] + modifier : emoji;
}
