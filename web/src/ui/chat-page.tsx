import { useEffect, useState } from "preact/hooks";
import { conversations, openId, totalUnread } from "../app/chats.ts";
import { place, sidePanel } from "../app/threads.ts";
import { ThreadList, ThreadPanel } from "./thread-panel.tsx";
import { FilesPanel } from "./files-panel.tsx";
import { MediaViewer } from "./media-viewer.tsx";
import { status } from "../app/connection.ts";
import { outbox } from "../app/outbox.ts";
import { instance, me, signOut } from "../app/state.ts";
import { Avatar } from "./avatar.tsx";
import { ConversationList } from "./conversation-list.tsx";
import { ConversationView } from "./conversation-view.tsx";
import type { DialogName } from "./dialogs.tsx";
import { lazy } from "./lazy.tsx";
import { Menu } from "./menu.tsx";
import { CallView, IncomingCalls } from "./call-view.tsx";
import { ProfileCard } from "./profile-card.tsx";

// Dialogs are opened now and then: their code loads when first needed.
const NewChatDialog = lazy(() => import("./dialogs.tsx").then((m) => m.NewChatDialog));
const NewGroupDialog = lazy(() => import("./dialogs.tsx").then((m) => m.NewGroupDialog));
const ProfileDialog = lazy(() => import("./dialogs.tsx").then((m) => m.ProfileDialog));
const SettingsDialog = lazy(() => import("./settings-dialog.tsx").then((m) => m.SettingsDialog));
const InviteDialog = lazy(() => import("./dialogs.tsx").then((m) => m.InviteDialog));
const AdminDialog = lazy(() => import("./admin-dialog.tsx").then((m) => m.AdminDialog));
const SearchDialog = lazy(() => import("./search-dialog.tsx").then((m) => m.SearchDialog));
const QuickSwitcher = lazy(() => import("./quick-switcher.tsx").then((m) => m.QuickSwitcher));

/** The signed-in app: conversations beside the open one on wide screens, one at a time on phones. */
export function ChatPage() {
  const { conversationId: id, rootId } = place.value;
  const [dialog, setDialog] = useState<DialogName | null>(null);
  useEffect(() => {
    openId.value = id;
    sidePanel.value = null;
  }, [id]);
  useEffect(() => {
    const name = instance.value?.name ?? "Parley";
    document.title = totalUnread.value > 0 ? `(${totalUnread.value}) ${name}` : name;
    // The badge on the installed app's icon, where the platform has one.
    if ("setAppBadge" in navigator)
      void (totalUnread.value > 0 ? navigator.setAppBadge(totalUnread.value) : navigator.clearAppBadge()).catch(
        () => {},
      );
  }, [totalUnread.value]);
  // Ctrl+K (⌘K on a Mac), from anywhere, even while typing a message: the quick switcher.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey || e.key.toLowerCase() !== "k") return;
      e.preventDefault();
      // Not over another dialog (or itself).
      if (!document.querySelector("dialog[open]")) setDialog("switch");
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);
  const close = () => setDialog(null);
  return (
    <div class={`chat${id ? " has-open" : ""}`}>
      <aside class="sidebar">
        <header class="sidebar-head">
          <h1>
            {instance.value?.logoUrl && <img class="logo" src={instance.value.logoUrl} alt="" />}
            {instance.value?.name ?? "Parley"}
          </h1>
          <AccountMenu onOpen={setDialog} />
        </header>
        <div class="sidebar-actions">
          <button type="button" class="primary" onClick={() => setDialog("new-chat")}>
            New chat
          </button>
          <button type="button" onClick={() => setDialog("new-group")}>
            New group
          </button>
          <button
            type="button"
            class="icon"
            aria-label="Search messages"
            title="Search messages (Ctrl+K: go to a conversation)"
            onClick={() => setDialog("search")}
          >
            🔍
          </button>
        </div>
        <ConversationList openId={id} onInvite={() => setDialog("invite")} />
      </aside>
      <main class="main">
        <ConnectionBanner />
        <div class={`panes${id && (rootId || sidePanel.value) ? " with-side" : ""}`}>
          {id ? (
            <ConversationView id={id} />
          ) : (
            <section class="conversation empty-state">
              <p class="hint">Pick a conversation, or start a new one.</p>
            </section>
          )}
          {id && rootId && <ThreadPanel conversationId={id} rootId={rootId} />}
          {id && !rootId && sidePanel.value === "threads" && conversations.value.get(id) && (
            <ThreadList c={conversations.value.get(id)!} />
          )}
          {id && !rootId && sidePanel.value === "files" && conversations.value.get(id) && (
            <FilesPanel c={conversations.value.get(id)!} />
          )}
        </div>
      </main>
      <IncomingCalls />
      <CallView />
      <ProfileCard />
      <MediaViewer />
      {dialog === "new-chat" && <NewChatDialog onClose={close} />}
      {dialog === "search" && <SearchDialog onClose={close} />}
      {dialog === "switch" && <QuickSwitcher onClose={close} />}
      {dialog === "admin" && <AdminDialog onClose={close} />}
      {dialog === "new-group" && <NewGroupDialog onClose={close} />}
      {dialog === "profile" && <ProfileDialog onClose={close} />}
      {dialog === "settings" && <SettingsDialog onClose={close} />}
      {dialog === "invite" && <InviteDialog onClose={close} />}
    </div>
  );
}

/** The account menu, under the person's own picture. */
function AccountMenu(props: { onOpen: (d: DialogName) => void }) {
  const user = me.value!;
  const admin = user.role === "admin";
  return (
    <Menu
      label="Account menu"
      buttonClass="account"
      header={
        <p class="menu-who">
          Signed in as <strong>{user.displayName}</strong>
          <small class="hint">@{user.username}</small>
        </p>
      }
      entries={[
        { label: "Profile", run: () => props.onOpen("profile") },
        { label: "Settings", run: () => props.onOpen("settings") },
        ...(admin
          ? [
              { label: "Invite people", run: () => props.onOpen("invite") },
              { label: "Administration", run: () => props.onOpen("admin") },
            ]
          : []),
        { label: "Sign out", run: () => void signOut() },
      ]}
    >
      <Avatar person={user} size={32} decorative />
    </Menu>
  );
}

/** Says so when the server cannot be reached, and that what is written still goes out later. */
function ConnectionBanner() {
  const s = status.value;
  const [show, setShow] = useState(false);
  useEffect(() => {
    if (s === "online") return setShow(false);
    // A blink of "connecting" at start or on a quick reconnect is not worth a banner.
    const t = setTimeout(() => setShow(true), 1500);
    return () => clearTimeout(t);
  }, [s]);
  if (!show) return null;
  const waiting = outbox.value.filter((o) => o.state === "sending").length;
  return (
    <p class="banner offline" role="status">
      {s === "connecting" ? "Connecting…" : "You are offline."}{" "}
      {waiting > 0
        ? `${waiting} message${waiting > 1 ? "s" : ""} will be sent when the connection is back.`
        : "Messages you write will be sent when the connection is back."}
    </p>
  );
}
