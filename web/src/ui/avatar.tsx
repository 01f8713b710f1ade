import type { Person } from "../app/api.ts";

/** A stable colour per person, so the same initials always look the same. */
function hue(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 360;
}

/** The first letter or digit of a word, skipping emoji and punctuation ("🎉Party" → "P"). */
function firstLetter(word: string): string | undefined {
  return /[\p{L}\p{N}]/u.exec(word)?.[0];
}

/**
 * Up to two letters for a picture: first and last word's ("Ana Admin" → "AA"), leaving out words without a
 * letter ("🎉 Party crew" → "PC"). A name with no letter at all shows its first symbol ("🎉🎉" → "🎉").
 */
export function initials(name: string): string {
  const words = name
    .trim()
    .split(/\s+/)
    .filter((w) => firstLetter(w) !== undefined);
  const picked = words.length > 1 ? [words[0]!, words.at(-1)!] : words;
  const letters = picked.map((w) => firstLetter(w)!.toUpperCase()).join("");
  if (letters) return letters;
  const first = new Intl.Segmenter().segment(name.trim())[Symbol.iterator]().next();
  return first.done ? "?" : first.value.segment;
}

/** A person's picture, or their initials on their colour until they upload one. */
export function Avatar(props: { person: Person; size?: number; decorative?: boolean }) {
  const { person, size = 36 } = props;
  const label = props.decorative ? undefined : person.displayName;
  const style = { width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.4)}px` };
  if (person.avatarUrl) return <img class="avatar" src={person.avatarUrl} alt={label ?? ""} style={style} />;
  return (
    <span
      class="avatar"
      role={label ? "img" : undefined}
      aria-label={label}
      aria-hidden={label ? undefined : true}
      style={{ ...style, background: `hsl(${hue(person.id)} 55% 42%)` }}
    >
      {initials(person.displayName)}
    </span>
  );
}

/** A group's picture, or its initials on a colour from its id. */
export function GroupAvatar(props: { id: string; title: string; avatarUrl?: string | null; size?: number }) {
  const size = props.size ?? 36;
  if (props.avatarUrl)
    return (
      <img class="avatar group" src={props.avatarUrl} alt="" style={{ width: `${size}px`, height: `${size}px` }} />
    );
  return (
    <span
      class="avatar group"
      aria-hidden="true"
      style={{
        width: `${size}px`,
        height: `${size}px`,
        fontSize: `${Math.round(size * 0.4)}px`,
        background: `hsl(${hue(props.id)} 45% 38%)`,
      }}
    >
      {initials(props.title)}
    </span>
  );
}
