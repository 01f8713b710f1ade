import { useEffect } from "preact/hooks";
import { instance, loadError, me, navigate, path, rememberReturn } from "../app/state.ts";
import { lazy } from "./lazy.tsx";
import { Card } from "./form.tsx";
import { ConfirmHost } from "./confirm.tsx";
// A signed-in visit needs the chat and not the sign-in screens, and the other way round: each loads apart.
const auth = () => import("./auth-pages.tsx");
const SetupPage = lazy(() => auth().then((m) => m.SetupPage));
const LoginPage = lazy(() => auth().then((m) => m.LoginPage));
const RegisterPage = lazy(() => auth().then((m) => m.RegisterPage));
const ForgotPasswordPage = lazy(() => auth().then((m) => m.ForgotPasswordPage));
const ResetPasswordPage = lazy(() => auth().then((m) => m.ResetPasswordPage));
const VerifyEmailPage = lazy(() => auth().then((m) => m.VerifyEmailPage));
const ChatPage = lazy(() => import("./chat-page.tsx").then((m) => m.ChatPage));
const JoinPage = lazy(() => import("./join-page.tsx").then((m) => m.JoinPage));

const pages = {
  "/setup": SetupPage,
  "/login": LoginPage,
  "/register": RegisterPage,
  "/forgot-password": ForgotPasswordPage,
  "/reset-password": ResetPasswordPage,
  "/verify-email": VerifyEmailPage,
  "/": ChatPage,
  "/c/": ChatPage,
  "/join/": JoinPage,
} as const;

/** Addresses that stand for a family of paths: "/c/<id>", "/join/<code>". */
const families = ["/c/", "/join/"] as const;

/** The screen that applies to a path, given whether the server is set up and whether we are signed in. */
function routeFor(p: string, setupRequired: boolean, signedIn: boolean): keyof typeof pages {
  if (setupRequired) return "/setup";
  if (p === "/reset-password" || p === "/verify-email") return p;
  if (signedIn) return families.find((f) => p.startsWith(f)) ?? "/";
  // Signed out on an invite link: sign in (or register) first, then come back to it.
  if (p.startsWith("/join/")) rememberReturn(p);
  if (p === "/register" || p === "/forgot-password") return p;
  return "/login";
}

export function App() {
  const p = path.value;
  const target = instance.value ? routeFor(p, instance.value.setupRequired, me.value !== null) : null;
  const here = target === p || (families.includes(target as (typeof families)[number]) && p.startsWith(target!));
  useEffect(() => {
    if (target && !here) navigate(target + (target === "/" ? "" : location.search), true);
  }, [target, p]);
  if (loadError.value) return <Card title="Parley is not reachable" subtitle={loadError.value} />;
  if (!target || !here) return null;
  const Page = pages[target];
  return (
    <>
      <Page />
      <ConfirmHost />
    </>
  );
}
