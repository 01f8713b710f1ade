import { useEffect } from "preact/hooks";
import { instance, loadError, me, navigate, path } from "../app/state.ts";
import { ForgotPasswordPage, LoginPage, RegisterPage, ResetPasswordPage, SetupPage } from "./auth-pages.tsx";
import { Card } from "./form.tsx";
import { ChatPage } from "./chat-page.tsx";

const pages = {
  "/setup": SetupPage,
  "/login": LoginPage,
  "/register": RegisterPage,
  "/forgot-password": ForgotPasswordPage,
  "/reset-password": ResetPasswordPage,
  "/": ChatPage,
  "/c/": ChatPage,
} as const;

/** The screen that applies to a path, given whether the server is set up and whether we are signed in. */
function routeFor(p: string, setupRequired: boolean, signedIn: boolean): keyof typeof pages {
  if (setupRequired) return "/setup";
  if (p === "/reset-password") return p;
  if (signedIn) return p.startsWith("/c/") ? "/c/" : "/";
  if (p === "/register" || p === "/forgot-password") return p;
  return "/login";
}

export function App() {
  const p = path.value;
  const target = instance.value ? routeFor(p, instance.value.setupRequired, me.value !== null) : null;
  // "/c/" stands for every conversation's address.
  const here = target === p || (target === "/c/" && p.startsWith("/c/"));
  useEffect(() => {
    if (target && !here) navigate(target + (target === "/" ? "" : location.search), true);
  }, [target, p]);
  if (loadError.value) return <Card title="Parley is not reachable" subtitle={loadError.value} />;
  if (!target || !here) return null;
  const Page = pages[target];
  return <Page />;
}
