// The emoji picker, for the composer and for reactions: search by name or shortcode, the groups as tabs,
// the ones used lately first, and a skin tone kept for next time. Loaded when first opened.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  EMOJI_GROUPS,
  recentEmoji,
  rememberEmoji,
  savedSkinTone,
  saveSkinTone,
  searchEmoji,
  SKIN_TONES,
  withSkinTone,
  type SkinTone,
} from "../app/emoji-picker.ts";

const TONE_NAMES = ["No skin tone", "Light", "Medium-light", "Medium", "Medium-dark", "Dark"];

export function EmojiPicker(props: { label: string; onPick: (emoji: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState("");
  const [tone, setTone] = useState<SkinTone>(savedSkinTone);
  const [recent] = useState(recentEmoji);
  const root = useRef<HTMLDivElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);

  useEffect(() => {
    search.current?.focus();
    // A click anywhere else closes it (the button that opened it toggles it itself).
    const away = (e: PointerEvent) => {
      const target = e.target as Node;
      if (!root.current?.contains(target) && !(target as Element).closest?.("[data-emoji-toggle]")) props.onClose();
    };
    document.addEventListener("pointerdown", away, true);
    return () => document.removeEventListener("pointerdown", away, true);
  }, []);

  const found = useMemo(() => searchEmoji(query), [query]);
  const pick = (emoji: string) => {
    const chosen = withSkinTone(emoji, tone);
    rememberEmoji(chosen);
    props.onPick(chosen);
  };
  const chooseTone = (t: SkinTone) => {
    setTone(t);
    saveSkinTone(t);
  };
  const button = (emoji: string, name: string, key = emoji) => (
    <button key={key} type="button" class="emoji" aria-label={name} title={name} onClick={() => pick(emoji)}>
      {withSkinTone(emoji, tone)}
    </button>
  );

  return (
    <div
      ref={root}
      class="emoji-picker"
      role="dialog"
      aria-label={props.label}
      onKeyDown={(e) => {
        if (e.key !== "Escape") return;
        e.preventDefault();
        e.stopPropagation();
        props.onClose();
      }}
    >
      <div class="emoji-top">
        <input
          ref={search}
          type="search"
          aria-label="Search emoji"
          placeholder="Search emoji"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && found[0]) {
              e.preventDefault();
              pick(found[0].emoji);
            }
          }}
        />
        <div class="emoji-tones" role="radiogroup" aria-label="Skin tone">
          {SKIN_TONES.map((t, i) => (
            <button
              key={t || "none"}
              type="button"
              role="radio"
              aria-checked={tone === t}
              aria-label={TONE_NAMES[i]}
              title={TONE_NAMES[i]}
              onClick={() => chooseTone(t)}
            >
              {`✋${t}`}
            </button>
          ))}
        </div>
      </div>
      {!query && (
        <nav class="emoji-tabs" aria-label="Emoji groups">
          {recent.length > 0 && (
            <button type="button" aria-label="Recently used" title="Recently used" onClick={() => scrollTo("recent")}>
              🕘
            </button>
          )}
          {EMOJI_GROUPS.map((g, i) => (
            <button key={g.name} type="button" aria-label={g.name} title={g.name} onClick={() => scrollTo(`g${i}`)}>
              {g.icon}
            </button>
          ))}
        </nav>
      )}
      <div class="emoji-grid" ref={grid}>
        {query ? (
          found.length > 0 ? (
            <section aria-label="Search results">{found.map((e) => button(e.emoji, e.name))}</section>
          ) : (
            <p class="hint">No emoji found for “{query}”.</p>
          )
        ) : (
          <>
            {recent.length > 0 && (
              <section id="emoji-recent" aria-label="Recently used">
                <h3>Recently used</h3>
                {/* Kept as picked, skin tone included. */}
                {recent.map((e) => (
                  <button
                    key={e}
                    type="button"
                    class="emoji"
                    aria-label={e}
                    onClick={() => (rememberEmoji(e), props.onPick(e))}
                  >
                    {e}
                  </button>
                ))}
              </section>
            )}
            {EMOJI_GROUPS.map((g, i) => (
              <section key={g.name} id={`emoji-g${i}`} aria-label={g.name}>
                <h3>{g.name}</h3>
                {g.emojis.map((e) => button(e.emoji, e.name))}
              </section>
            ))}
          </>
        )}
      </div>
    </div>
  );

  function scrollTo(id: string) {
    const el = grid.current?.querySelector(`#emoji-${id}`) as HTMLElement | null;
    // The grid is the sections' offset parent: their offsetTop is their place in it.
    if (el && grid.current) grid.current.scrollTop = el.offsetTop;
  }
}
