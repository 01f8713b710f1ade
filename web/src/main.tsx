import { render } from "preact";
import { boot } from "./app/state.ts";
import "./app/theme.ts";
import { App } from "./ui/app.tsx";
import "../styles.css";

void boot();
render(<App />, document.getElementById("app")!);

// The app shell works offline once the service worker is in (not in development over plain IPs without it).
if ("serviceWorker" in navigator) {
  addEventListener("load", () => void navigator.serviceWorker.register("/sw.js").catch(() => {}));
}
