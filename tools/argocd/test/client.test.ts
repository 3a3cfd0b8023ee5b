import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { ArgoCdApiError, ArgoCdClient, ArgoCdError, ArgoCdWaitError, outOfSyncResources } from "../client.js";
import type { Progress } from "../client.js";
import { API_TOKEN, NEW_SHA, PASSWORD, SESSION_TOKEN, USERNAME, startFakeArgoCd } from "./fake-argocd.js";

/** Starts a fake argocd-server for one test; `token: null` = unauthenticated client. */
async function setup(t: { after: (fn: () => Promise<void>) => void }, token: string | null = API_TOKEN) {
  const fake = await startFakeArgoCd();
  t.after(() => fake.close());
  return { fake, client: new ArgoCdClient({ server: fake.url, token: token ?? undefined, requestTimeoutMs: 2_000 }) };
}
const fast = { revision: NEW_SHA, pollIntervalMs: 5, timeoutMs: 2_000 };

test("login() gets a session token that authenticates later calls", async (t) => {
  const { fake, client } = await setup(t, null);
  assert.equal(await client.login(USERNAME, PASSWORD), SESSION_TOKEN);
  await client.sync("ticketing-prod", { revision: NEW_SHA });
  assert.equal(fake.syncRequests[0]?.authorization, `Bearer ${SESSION_TOKEN}`);
});

test("login() with a wrong password throws ArgoCdApiError 401 with Argo CD's message", async (t) => {
  const { client } = await setup(t, null);
  const err = await client.login(USERNAME, "nope").catch((e: unknown) => e);
  assert.ok(err instanceof ArgoCdApiError);
  assert.equal(err.status, 401);
  assert.equal(err.apiMessage, "Invalid username or password");
  assert.match(err.message, /POST \/api\/v1\/session failed: HTTP 401: Invalid username or password \(grpc code 16\)/);
});

test("requests without a token are rejected with 401", async (t) => {
  const { client } = await setup(t, null);
  await assert.rejects(client.getApplication("ticketing-prod"), (e: unknown) => {
    return e instanceof ArgoCdApiError && e.status === 401 && e.apiMessage === "no session information";
  });
});

test("getApplication() returns the Application; unknown app is a 404 ArgoCdApiError", async (t) => {
  const { client } = await setup(t);
  const app = await client.getApplication("ticketing-prod");
  assert.equal(app.metadata?.name, "ticketing-prod");
  assert.equal(app.status?.sync?.status, "Synced");
  const err = await client.getApplication("nope").catch((e: unknown) => e);
  assert.ok(err instanceof ArgoCdApiError);
  assert.equal(err.status, 404);
  assert.equal(err.body && typeof err.body === "object" ? err.body.code : undefined, 5);
  assert.match(err.message, /applications\.argoproj\.io "nope" not found/);
});

test("sync() posts an ApplicationSyncRequest with bearer auth", async (t) => {
  const { fake, client } = await setup(t);
  await client.sync("ticketing-prod", { revision: NEW_SHA, prune: true });
  assert.deepEqual(fake.syncRequests, [
    {
      app: "ticketing-prod",
      body: { name: "ticketing-prod", revision: NEW_SHA, prune: true, dryRun: false },
      authorization: `Bearer ${API_TOKEN}`,
    },
  ]);
});

test("sync() to a pinned SHA on an auto-sync app surfaces Argo CD's FailedPrecondition", async (t) => {
  const { client } = await setup(t);
  await assert.rejects(client.sync("ticketing-auto", { revision: NEW_SHA }), (e: unknown) => {
    return e instanceof ArgoCdApiError && e.status === 400 && /auto-sync currently set to main/.test(e.message);
  });
});

test("waitUntilSyncedAndHealthy() polls OutOfSync -> Progressing -> Synced/Healthy at the revision", async (t) => {
  const { client } = await setup(t);
  await client.sync("ticketing-prod", { revision: NEW_SHA });
  const seen: Progress[] = [];
  const app = await client.waitUntilSyncedAndHealthy("ticketing-prod", { ...fast, onProgress: (p) => seen.push(p) });
  assert.equal(app.status?.sync?.revision, NEW_SHA);
  assert.deepEqual(
    seen.map((p) => `${p.sync}/${p.health}/${p.phase}`),
    ["OutOfSync/Healthy/Running", "OutOfSync/Progressing/Running", "Synced/Progressing/Succeeded", "Synced/Healthy/Succeeded"],
  );
  assert.ok(seen.every((p, i) => i === 0 || p.elapsedMs >= (seen[i - 1]?.elapsedMs ?? 0)));
});

test("waitUntilSyncedAndHealthy() does not accept Synced/Healthy at an older revision", async (t) => {
  const { client } = await setup(t);
  // no sync triggered: app stays Synced/Healthy at OLD_SHA
  await assert.rejects(client.waitUntilSyncedAndHealthy("ticketing-prod", { ...fast, timeoutMs: 50 }), (e: unknown) => {
    return e instanceof ArgoCdWaitError && e.reason === "timeout";
  });
});

test("waitUntilSyncedAndHealthy() fails fast when the sync operation Failed", async (t) => {
  const { client } = await setup(t);
  await client.sync("broken", { revision: NEW_SHA });
  const err = await client.waitUntilSyncedAndHealthy("broken", { ...fast, timeoutMs: 60_000 }).catch((e: unknown) => e);
  assert.ok(err instanceof ArgoCdWaitError);
  assert.equal(err.reason, "failed");
  assert.match(err.message, /sync operation Failed: one or more objects failed to apply.*"booking" is invalid/);
});

test("waitUntilSyncedAndHealthy() fails when health stays Degraded past the grace period", async (t) => {
  const { client } = await setup(t);
  await client.sync("degraded", { revision: NEW_SHA });
  const err = await client
    .waitUntilSyncedAndHealthy("degraded", { ...fast, timeoutMs: 60_000, degradedGraceMs: 50 })
    .catch((e: unknown) => e);
  assert.ok(err instanceof ArgoCdWaitError);
  assert.equal(err.reason, "degraded");
  assert.match(err.message, /Degraded .*exceeded its progress deadline/);
});

test("timeout reports the last app; outOfSyncResources() lists what is not Synced", async (t) => {
  const { client } = await setup(t);
  await client.sync("stuck", { revision: NEW_SHA });
  const err = await client.waitUntilSyncedAndHealthy("stuck", { ...fast, timeoutMs: 100 }).catch((e: unknown) => e);
  assert.ok(err instanceof ArgoCdWaitError && err.app);
  assert.equal(err.reason, "timeout");
  assert.deepEqual(outOfSyncResources(err.app), [
    { kind: "Deployment", namespace: "ticketing", name: "booking", status: "OutOfSync", health: "Progressing" },
  ]);
});

test("auto-sync app: waiting without triggering a sync succeeds", async (t) => {
  const { fake, client } = await setup(t);
  const app = await client.waitUntilSyncedAndHealthy("ticketing-auto", fast);
  assert.equal(app.status?.health?.status, "Healthy");
  assert.equal(fake.syncRequests.length, 0);
});

test("per-request timeout and connection errors become ArgoCdError", async (t) => {
  const { fake } = await setup(t);
  const client = new ArgoCdClient({ server: fake.url, token: API_TOKEN, requestTimeoutMs: 100 });
  await assert.rejects(client.getApplication("slow"), (e: unknown) => {
    return e instanceof ArgoCdError && /timed out after 100ms/.test(e.message);
  });
  // while waiting, such errors are treated as transient and retried until the deadline
  const err = await client.waitUntilSyncedAndHealthy("slow", { ...fast, timeoutMs: 250 }).catch((e: unknown) => e);
  assert.ok(err instanceof ArgoCdWaitError);
  assert.equal(err.reason, "timeout");
  assert.match(err.message, /last error: .*timed out after 100ms/);

  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise((resolve) => closed.close(resolve));
  const down = new ArgoCdClient({ server: `http://127.0.0.1:${port}`, token: API_TOKEN });
  await assert.rejects(down.getApplication("x"), /ECONNREFUSED/);
});
