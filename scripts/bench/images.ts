// `npm run bench -- --images` (or `bun scripts/bench/images.ts [executable] [--qemu]`): what a photo
// upload costs inside the compiled executable, where the wasm image codecs run — the time from upload
// to answer (metadata removal, decode, upright turn, scaling, WebP preview) and the server's memory.
// --qemu runs an arm64 executable under Debian's qemu-user-static (with libc6-arm64-cross) as a
// Cortex-A53 (Raspberry Pi 3), to prove it works there; emulated timings are not a Pi's.
import { rmSync } from "node:fs";
import { join } from "node:path";
import { phonePhoto } from "../../test/images.ts";
import { spawnServer } from "../../test/process.ts";
import { tempDir } from "../../test/harness.ts";

const root = join(import.meta.dir, "..", "..");

function rssMb(pid: number): number {
  const status = require("node:fs").readFileSync(`/proc/${pid}/status`, "utf8") as string;
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export interface ImageRow {
  photo: string;
  megapixels: number;
  bytes: number;
  ms: number;
  thumbnail: string;
  rssMb: number;
}

export async function benchImages(
  executable: string,
  opts: { qemu?: boolean; runs?: number } = {},
): Promise<ImageRow[]> {
  const cwd = tempDir("parley-img-bench-");
  // The arm64 C library comes from Debian's libc6-arm64-cross.
  const cmd = opts.qemu
    ? ["qemu-aarch64-static", "-L", "/usr/aarch64-linux-gnu", "-cpu", "cortex-a53", executable]
    : [executable];
  const server = await spawnServer(cmd, { cwd, env: {} });
  try {
    const setup = await fetch(`${server.url}/api/v1/setup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: "admin-password", displayName: "Admin" }),
    });
    const { token } = (await setup.json()) as { token: string };
    const rows: ImageRow[] = [];
    for (const [w, h] of [
      [1600, 1200],
      [4000, 3000],
      [6000, 4000],
    ] as const) {
      const photo = await phonePhoto(w, h, true);
      let best = Infinity;
      let answer: any;
      for (let i = 0; i < (opts.runs ?? 3); i++) {
        const form = new FormData();
        form.append("file", new File([photo], `IMG_${w}.jpg`));
        const t0 = performance.now();
        const res = await fetch(`${server.url}/api/v1/uploads`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}` },
          body: form,
        });
        answer = await res.json();
        best = Math.min(best, performance.now() - t0);
        if (res.status !== 201 || !answer.attachment.thumbnailUrl)
          throw new Error(`upload failed: ${res.status} ${JSON.stringify(answer)}`);
      }
      const thumb = await fetch(server.url + answer.attachment.thumbnailUrl, {
        headers: { authorization: `Bearer ${token}` },
      });
      const bytes = (await thumb.arrayBuffer()).byteLength;
      rows.push({
        photo: `${w}×${h}`,
        megapixels: (w * h) / 1e6,
        bytes: photo.length,
        ms: Math.round(best),
        thumbnail: `${answer.attachment.width}×${answer.attachment.height} → ${(bytes / 1024).toFixed(1)} KiB`,
        rssMb: Math.round(rssMb(server.proc.pid)),
      });
    }
    return rows;
  } finally {
    server.proc.kill("SIGTERM");
    await server.exited;
    rmSync(cwd, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const qemu = args.includes("--qemu");
  const executable =
    args.find((a) => !a.startsWith("--")) ?? join(root, "dist", qemu ? "parley-linux-arm64" : "parley");
  console.log(`images in ${executable}${qemu ? " (qemu-aarch64-static -cpu cortex-a53)" : ""}`);
  console.table(await benchImages(executable, { qemu, runs: qemu ? 1 : 3 }));
}
