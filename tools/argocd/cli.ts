/**
 * npm run argocd -- <sync|wait|status> --app <name> ...   (see USAGE)
 * Exit codes: 0 ok, 1 deployment/API failure, 2 bad usage or configuration.
 */
import { parseArgs } from "node:util";
import { ArgoCdApiError, ArgoCdClient, ArgoCdError, ArgoCdWaitError, outOfSyncResources, progressOf } from "./client.js";
import type { Application, Progress } from "./client.js";

const USAGE = `Usage:
  npm run argocd -- sync   --app <name> --revision <sha> [--timeout 600] [--prune] [--dry-run] [options]
  npm run argocd -- wait   --app <name> --revision <sha> [--timeout 600] [options]   (auto-sync apps)
  npm run argocd -- status --app <name> [options]

Options:
  --server <url>     Argo CD server (default: $ARGOCD_SERVER)
  --timeout <s>      seconds to wait for Synced/Healthy at <sha> (default 600)
  --poll <s>         poll interval in seconds (default 5)
  --insecure         skip TLS verification (dev only, e.g. port-forwarded argocd-server)
Credentials: $ARGOCD_AUTH_TOKEN, or $ARGOCD_USERNAME + $ARGOCD_PASSWORD.
<sha> must be the full commit SHA, e.g. $(git rev-parse HEAD).`;

class UsageError extends Error {}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      app: { type: "string" },
      revision: { type: "string" },
      server: { type: "string" },
      timeout: { type: "string", default: "600" },
      poll: { type: "string", default: "5" },
      prune: { type: "boolean", default: false },
      "dry-run": { type: "boolean", default: false },
      insecure: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false }, // handled in main()
    },
  });
  const [command, ...extra] = positionals;
  if (command !== "sync" && command !== "wait" && command !== "status") throw new UsageError(command ? `unknown command "${command}"` : "missing command");
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!values.app) throw new UsageError("--app is required");
  if (command !== "status" && !values.revision) throw new UsageError(`--revision is required for ${command}`);
  const seconds = (flag: string, raw: string) => {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number of seconds`);
    return n * 1000;
  };
  const server = values.server ?? process.env.ARGOCD_SERVER;
  if (!server) throw new UsageError("no server: pass --server or set ARGOCD_SERVER");
  return {
    command,
    app: values.app,
    revision: values.revision ?? "",
    server,
    timeoutMs: seconds("timeout", values.timeout),
    pollIntervalMs: seconds("poll", values.poll),
    prune: values.prune,
    dryRun: values["dry-run"],
    insecure: values.insecure,
  };
}

const fmt = (p: Progress) =>
  `sync=${p.sync ?? "?"} health=${p.health ?? "?"} revision=${p.revision?.slice(0, 12) ?? "?"}` +
  (p.phase ? ` operation=${p.phase}` : "") +
  (p.message ? ` (${p.message})` : "");

function printResources(app: Application | undefined, log: (s: string) => void): void {
  if (!app) return;
  const out = outOfSyncResources(app);
  const unhealthy = (app.status?.resources ?? []).filter((r) => r.health?.status && r.health.status !== "Healthy");
  log(out.length ? "Out-of-sync resources:" : "No out-of-sync resources.");
  for (const r of out) log(`  ${r.kind}/${r.name} ns=${r.namespace ?? "-"} sync=${r.status ?? "?"} health=${r.health ?? "-"}`);
  if (unhealthy.length) log("Unhealthy resources:");
  for (const r of unhealthy) log(`  ${r.kind}/${r.name} ns=${r.namespace ?? "-"} health=${r.health?.status}${r.health?.message ? ` (${r.health.message})` : ""}`);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  let opts: ReturnType<typeof parse>;
  try {
    opts = parse(argv);
  } catch (err) {
    const parseArgsError = String((err as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS");
    if (!(err instanceof UsageError) && !parseArgsError) throw err;
    if ((err as Error).message) console.error(`error: ${(err as Error).message}\n`);
    console.error(USAGE);
    return 2;
  }
  const { ARGOCD_AUTH_TOKEN: token, ARGOCD_USERNAME: username, ARGOCD_PASSWORD: password } = process.env;
  if (!token && !(username && password)) {
    console.error("error: no credentials: set ARGOCD_AUTH_TOKEN, or ARGOCD_USERNAME and ARGOCD_PASSWORD\n");
    console.error(USAGE);
    return 2;
  }

  const client = new ArgoCdClient({ server: opts.server, token, insecure: opts.insecure });
  try {
    if (!token && username && password) await client.login(username, password);

    if (opts.command === "status") {
      const app = await client.getApplication(opts.app);
      console.log(`${opts.app}: ${fmt(progressOf(app, 0))}`);
      printResources(app, console.log);
      return 0;
    }

    if (opts.command === "sync") {
      await client.sync(opts.app, { revision: opts.revision, prune: opts.prune, dryRun: opts.dryRun });
      console.log(`sync of ${opts.app} to ${opts.revision} requested${opts.prune ? " (prune)" : ""}${opts.dryRun ? " (dry run)" : ""}`);
      if (opts.dryRun) return 0; // the dry-run result shows up in the app's operationState, nothing to wait for
    }

    let last = "";
    const app = await client.waitUntilSyncedAndHealthy(opts.app, {
      revision: opts.revision,
      timeoutMs: opts.timeoutMs,
      pollIntervalMs: opts.pollIntervalMs,
      onProgress: (p) => {
        const key = [p.sync, p.health, p.phase, p.revision].join("|"); // one line per state change
        if (key !== last) console.log(`[${String(Math.round(p.elapsedMs / 1000)).padStart(4)}s] ${fmt(p)}`);
        last = key;
      },
    });
    console.log(`${opts.app} is Synced and Healthy at ${app.status?.sync?.revision}`);
    return 0;
  } catch (err) {
    if (!(err instanceof ArgoCdError)) throw err;
    console.error(`error: ${err.message}`);
    if (err instanceof ArgoCdApiError && /auto-sync currently set to/.test(err.message)) {
      console.error(`hint: ${opts.app} auto-syncs; after pushing, use: npm run argocd -- wait --app ${opts.app} --revision ${opts.revision}`);
    }
    if (err instanceof ArgoCdWaitError) printResources(err.app, console.error);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    console.error(`unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
