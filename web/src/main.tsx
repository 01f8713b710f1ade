import { render } from "preact";
import { boot } from "./app/state.ts";
import { registerServiceWorker } from "./app/secure-origin.ts";
import "./app/theme.ts";
import { App } from "./ui/app.tsx";
import "../styles.css";

void boot();
render(<App />, document.getElementById("app")!);

// The app shell works offline once the service worker is in (not over plain HTTP outside localhost).
addEventListener("load", registerServiceWorker);
