import { settingGroups, settings, type SettingKey } from "./settings.ts";

/** What a first install may need to set; everything else has a default that works. */
const START_HERE = `Start here: with nothing set, Parley serves on port 8080 to your network, keeping its data in ./data.
Most installs set at most these four:
  --port / PARLEY_PORT, --data-dir / PARLEY_DATA_DIR,
  --public-url / PARLEY_PUBLIC_URL (the address people type, e.g. https://chat.example.com: links in
    invites and emails, passkeys and push use it), and --host / PARLEY_HOST (127.0.0.1 behind a proxy).`;

export function helpText(version: string): string {
  const row = (key: SettingKey) => {
    const s = settings[key];
    const values = "values" in s ? ` (${s.values.join("|")})` : "";
    const def = s.default === "" ? "" : ` [default: ${s.default}]`;
    return `  ${s.flag.padEnd(24)} ${s.env}${values}${def}\n      ${s.description}`;
  };
  const rows = settingGroups.map(([title, keys]) => `${title}:\n${keys.map(row).join("\n")}`);
  return `Parley ${version} — a self-hosted messenger in one executable

Usage:
  parley [serve] [options]     run the server (the default command)
  parley healthcheck [options] exit 0 if the server on --port answers /healthz (for containers)
  parley backup <file> [options]
                               write a consistent archive of the database, files and push keys,
                               while the server runs (with a progress bar on a terminal)
  parley restore <file> [--force] [options]
                               unpack an archive into the data folder; refuses a non-empty one
                               without --force
  parley export <file> [--user NAME] [options]
                               the whole instance (or one person's data) as JSON, files and a
                               static HTML archive
  parley admin <command> [options]
                               create-user <name> [--admin] [--display-name N], reset-link <name>,
                               promote <name>, demote <name>, invite, registration <mode>
  parley import slack <export.zip> [--admin NAME] [options]
                               bring a Slack workspace export in: people (each with a link to
                               choose a password), public channels, messages, threads, reactions,
                               files; run again to add only what is new
  parley push rotate-keys [options]
                               make a new VAPID key pair for Web Push; every browser must turn
                               notifications on again (their subscriptions are removed)
  parley --help                show this help
  parley --version             print the version

${START_HERE}

Options (each can also be set by its environment variable; flags win), by topic:

${rows.join("\n\n")}
`;
}

/** docs/configuration.md, generated so it cannot drift from the code (scripts/gen-docs.ts writes it). */
export function configMarkdown(): string {
  const row = (key: SettingKey) => {
    const s = settings[key];
    const values = "values" in s ? ` (${s.values.map((v) => `\`${v}\``).join(", ")})` : "";
    return `| \`${s.env}\` | \`${s.flag}\` | ${s.default === "" ? "—" : `\`${s.default}\``} | ${s.description}${values} |`;
  };
  const sections = settingGroups.map(
    ([title, keys]) =>
      `## ${title}\n\n| Environment | Flag | Default | What it does |\n|---|---|---|---|\n${keys.map(row).join("\n")}`,
  );
  return `# Configuration

Every setting can be given as an environment variable or as a flag to \`parley serve\`; a flag wins over
the environment, and the environment over the default. With nothing set, Parley serves on port 8080 with its
database in \`./data\`. \`parley --help\` prints the same list. Most installs set at most four: \`PARLEY_PORT\`,
\`PARLEY_DATA_DIR\`, \`PARLEY_PUBLIC_URL\` (the address people type: invite links, emails, passkeys and push use
it) and \`PARLEY_HOST\` (\`127.0.0.1\` behind a reverse proxy on the same machine).

${sections.join("\n\n")}

Generated from \`src/config/settings.ts\` by \`bun scripts/gen-docs.ts\`; a test keeps the two in step.
`;
}
