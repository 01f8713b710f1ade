// How a timeline scrolls: it stays at the bottom while the reader is there, keeps their place when older
// messages load above, counts what arrived while they read further up, and asks for older pages near the top.
import type { RefObject } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

export function useTimelineScroll(opts: {
  conversationId: string;
  /** Changes whenever something is added at the end (the last message's id, counts). */
  tail: unknown[];
  onAtBottom: () => void;
  /** Near the top with older history to load: loads it, and reports failure by rejecting. */
  loadOlder: (() => Promise<void>) | null;
}) {
  const scroller = useRef<HTMLDivElement>(null) as RefObject<HTMLDivElement>;
  const atBottom = useRef(true);
  const beforeLoad = useRef<{ height: number; top: number } | null>(null);
  const [unseen, setUnseen] = useState(0);
  /** The reader is somewhere above the newest message (a way back down is shown). */
  const [away, setAway] = useState(false);

  useEffect(() => {
    atBottom.current = true;
    setUnseen(0);
    setAway(false);
  }, [opts.conversationId]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (beforeLoad.current) {
      // Older messages went in above: keep what the reader was looking at where it was.
      el.scrollTop = el.scrollHeight - beforeLoad.current.height + beforeLoad.current.top;
      beforeLoad.current = null;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
    else setUnseen((n) => n + 1);
  }, opts.tail);

  return {
    scroller,
    unseen,
    away,
    /**
     * Opens at `el` (the "New messages" line) when going to the bottom would leave it out of sight above,
     * so the first unread message is where the reader starts; otherwise stays at the bottom.
     */
    startAt(el: Element | null) {
      const box = scroller.current;
      if (!box) return;
      const top = el ? el.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop : Infinity;
      if (top >= box.scrollHeight - box.clientHeight) {
        atBottom.current = true;
        box.scrollTop = box.scrollHeight;
        return;
      }
      atBottom.current = false;
      setAway(true);
      box.scrollTop = Math.max(0, top - 12);
    },
    /** Back to the bottom if the reader was there (after something above it changed height). */
    stickToBottom() {
      const el = scroller.current;
      if (el && atBottom.current) el.scrollTop = el.scrollHeight;
    },
    jumpToLatest() {
      const el = scroller.current!;
      el.scrollTop = el.scrollHeight;
    },
    onScroll() {
      const el = scroller.current!;
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
      // A screenful up counts as away: a small scroll is still reading the latest.
      setAway(el.scrollHeight - el.scrollTop - el.clientHeight > el.clientHeight / 2);
      if (atBottom.current) {
        setUnseen(0);
        opts.onAtBottom();
      }
      if (el.scrollTop < 200 && opts.loadOlder) {
        beforeLoad.current = { height: el.scrollHeight, top: el.scrollTop };
        opts.loadOlder().catch(() => (beforeLoad.current = null));
      }
    },
  };
}
