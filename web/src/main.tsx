import { render } from "preact";
import { boot } from "./app/state.ts";
import { App } from "./ui/app.tsx";
import "../styles.css";

void boot();
render(<App />, document.getElementById("app")!);
