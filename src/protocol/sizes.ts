// Sizes as people read them, one way for the server's messages and the web app alike: "100 MB", "2 GB",
// "1.5 KB", "312 bytes". Steps of 1024 (what disks and browsers show for files), one decimal where it
// says something, none where it is ".0".

const UNITS = ["KB", "MB", "GB", "TB"] as const;

export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "?";
  if (bytes < 1024) return `${Math.round(bytes)} ${bytes === 1 ? "byte" : "bytes"}`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = value >= 100 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, "");
  // 1023.96 KB rounds to "1024 KB": say the next unit instead.
  if (shown === "1024" && unit < UNITS.length - 1) return `1 ${UNITS[unit + 1]}`;
  return `${shown} ${UNITS[unit]}`;
}
