import { settings, type SettingKey } from "./settings.ts";

export function helpText(version: string): string {
  const rows = (Object.keys(settings) as SettingKey[]).map((key) => {
    const s = settings[key];
    const values = "values" in s ? ` (${s.values.join("|")})` : "";
    const def = s.default === "" ? "" : ` [default: ${s.default}]`;
    return `  ${s.flag.padEnd(24)} ${s.env}${values}${def}\n      ${s.description}`;
  });
  return `Parley ${version} — a self-hosted messenger in one executable

Usage:
  parley [serve] [options]     run the server (the default command)
  parley healthcheck [options] exit 0 if the server on --port answers /healthz (for containers)
  parley --help                show this help
  parley --version             print the version

Options (each can also be set by its environment variable; flags win):
${rows.join("\n")}
`;
}
