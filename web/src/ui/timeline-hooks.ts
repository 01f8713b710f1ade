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

  useEffect(() => {
    atBottom.current = true;
    setUnseen(0);
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
