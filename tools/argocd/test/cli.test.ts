import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { API_TOKEN, NEW_SHA, PASSWORD, USERNAME, startFakeArgoCd } from "./fake-argocd.js";
import type { FakeArgoCd } from "./fake-argocd.js";

const CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

/** Runs the real CLI in a child process (node --import tsx), with a clean Argo CD environment. */
function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const k of ["ARGOCD_SERVER", "ARGOCD_AUTH_TOKEN", "ARGOCD_USERNAME", "ARGOCD_PASSWORD"]) delete base[k];
  const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { env: { ...base, ...env } });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

async function fakeServer(t: { after: (fn: () => Promise<void>) => void }): Promise<FakeArgoCd> {
  const fake = await startFakeArgoCd();
  t.after(() => fake.close());
  return fake;
}
const noStack = (s: string) => assert.doesNotMatch(s, /\n\s+at /, "no stack trace expected");

test("no arguments: usage, exit 2", async () => {
  const r = await run([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error: missing command/);
  assert.match(r.stderr, /Usage:/);
  noStack(r.stderr);
});

test("bad usage (unknown flag, missing --revision, bad --timeout): exit 2 without stack trace", async () => {
  for (const args of [
    ["sync", "--app", "a", "--revision", NEW_SHA, "--bogus"],
    ["sync", "--app", "a", "--server", "http://x"],
    ["sync", "--app", "a", "--revision", NEW_SHA, "--server", "http://x", "--timeout", "soon"],
    ["deploy", "--app", "a"],
  ]) {
    const r = await run(args, { ARGOCD_AUTH_TOKEN: API_TOKEN });
    assert.equal(r.code, 2, args.join(" "));
    assert.match(r.stderr, /Usage:/);
    noStack(r.stderr);
  }
});

test("missing credentials: exit 2", async () => {
  const r = await run(["status", "--app", "ticketing-prod", "--server", "http://127.0.0.1:1"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no credentials/);
});

test("sync: triggers the sync, prints one line per state change, exits 0 when Synced/Healthy", async (t) => {
  const fake = await fakeServer(t);
  const r = await run(["sync", "--app", "ticketing-prod", "--revision", NEW_SHA, "--prune", "--poll", "0.02"], {
    ARGOCD_SERVER: fake.url,
    ARGOCD_AUTH_TOKEN: API_TOKEN,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(fake.syncRequests[0]?.body, { name: "ticketing-prod", revision: NEW_SHA, prune: true, dryRun: false });
  const progress = r.stdout.split("\n").filter((l) => /^\[\s*\d+s\]/.test(l));
  assert.equal(progress.length, 4, r.stdout);
  assert.match(progress[0] ?? "", /sync=OutOfSync health=Healthy .*operation=Running/);
  assert.match(progress[3] ?? "", /sync=Synced health=Healthy revision=222222222222 operation=Succeeded/);
  assert.match(r.stdout, new RegExp(`ticketing-prod is Synced and Healthy at ${NEW_SHA}`));
});

test("sync with ARGOCD_USERNAME/ARGOCD_PASSWORD logs in first; --server flag wins", async (t) => {
  const fake = await fakeServer(t);
  const r = await run(["sync", "--app", "ticketing-prod", "--revision", NEW_SHA, "--server", fake.url, "--poll", "0.02"], {
    ARGOCD_SERVER: "http://127.0.0.1:1",
    ARGOCD_USERNAME: USERNAME,
    ARGOCD_PASSWORD: PASSWORD,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fake.sessionRequests, 1);
});

test("sync of a failing app: exit 1 with Argo CD's operation message", async (t) => {
  const fake = await fakeServer(t);
  const r = await run(["sync", "--app", "broken", "--revision", NEW_SHA, "--poll", "0.02"], {
    ARGOCD_SERVER: fake.url,
    ARGOCD_AUTH_TOKEN: API_TOKEN,
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: sync operation Failed: one or more objects failed to apply/);
  assert.match(r.stderr, /Deployment\/booking ns=ticketing sync=OutOfSync health=Degraded/);
  noStack(r.stderr);
});

test("timeout: exit 1 and lists out-of-sync resources", async (t) => {
  const fake = await fakeServer(t);
  const r = await run(["sync", "--app", "stuck", "--revision", NEW_SHA, "--timeout", "0.3", "--poll", "0.05"], {
    ARGOCD_SERVER: fake.url,
    ARGOCD_AUTH_TOKEN: API_TOKEN,
  });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /error: timed out after 0.3s waiting for stuck/);
  assert.match(r.stderr, /Out-of-sync resources:\n {2}Deployment\/booking ns=ticketing sync=OutOfSync health=Progressing/);
});

test("auto-sync app: sync to a SHA is refused with a hint; wait succeeds without triggering a sync", async (t) => {
  const fake = await fakeServer(t);
  const refused = await run(["sync", "--app", "ticketing-auto", "--revision", NEW_SHA], { ARGOCD_SERVER: fake.url, ARGOCD_AUTH_TOKEN: API_TOKEN });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /HTTP 400: Cannot sync to 2{40}: auto-sync currently set to main \(grpc code 9\)/);
  assert.match(refused.stderr, /hint: .*npm run argocd -- wait --app ticketing-auto/);
  fake.syncRequests.length = 0;

  const r = await run(["wait", "--app", "ticketing-auto", "--revision", NEW_SHA, "--poll", "0.02"], {
    ARGOCD_SERVER: fake.url,
    ARGOCD_AUTH_TOKEN: API_TOKEN,
  });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fake.syncRequests.length, 0);
});

test("status: prints sync/health; unknown app or bad token: exit 1 with the API error", async (t) => {
  const fake = await fakeServer(t);
  const env = { ARGOCD_SERVER: fake.url, ARGOCD_AUTH_TOKEN: API_TOKEN };
  const ok = await run(["status", "--app", "ticketing-prod"], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /ticketing-prod: sync=Synced health=Healthy revision=111111111111/);

  const missing = await run(["status", "--app", "nope"], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /HTTP 404: applications\.argoproj\.io "nope" not found/);
  noStack(missing.stderr);

  const unauth = await run(["status", "--app", "ticketing-prod"], { ...env, ARGOCD_AUTH_TOKEN: "wrong" });
  assert.equal(unauth.code, 1);
  assert.match(unauth.stderr, /HTTP 401: no session information/);
});
