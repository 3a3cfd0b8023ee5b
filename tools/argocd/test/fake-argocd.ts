/**
 * Test double of the argocd-server REST surface used by the client (shapes per Argo CD's swagger):
 *   POST /api/v1/session                      {username,password} -> {token}
 *   GET  /api/v1/applications/{name}          -> v1alpha1.Application
 *   POST /api/v1/applications/{name}/sync     ApplicationSyncRequest -> v1alpha1.Application
 * Errors use the grpc-gateway body {error, code, message} with the matching HTTP status.
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Application, ApplicationStatus } from "../client.js";

export const OLD_SHA = "1111111111111111111111111111111111111111";
export const NEW_SHA = "2222222222222222222222222222222222222222";
export const API_TOKEN = "test-api-token";
export const SESSION_TOKEN = "session-jwt";
export const USERNAME = "admin";
export const PASSWORD = "s3cret";

type Status = ApplicationStatus;
const booking = (sync: string, health: string, message?: string) => [
  { group: "apps", version: "v1", kind: "Deployment", namespace: "ticketing", name: "booking", status: sync, health: { status: health, message } },
  { version: "v1", kind: "Service", namespace: "ticketing", name: "booking", status: "Synced", health: { status: "Healthy" } },
];
function status(sync: string, health: string, revision: string, phase?: string, message?: string, healthMessage?: string): Status {
  return {
    sync: { status: sync, revision },
    health: { status: health, message: healthMessage },
    resources: booking(sync, health, healthMessage),
    ...(phase && {
      operationState: { phase, message, startedAt: "2024-01-01T00:00:00Z", operation: { sync: { revision: NEW_SHA } } },
    }),
  };
}

interface FakeApp {
  automated?: boolean; // spec.syncPolicy.automated: rollout starts by itself, sync to a pinned SHA is refused
  hang?: boolean; // never answers GET (request timeout test)
  script: Status[]; // statuses returned by successive GETs once the rollout started (last one repeats)
}

const rollout: Status[] = [
  status("OutOfSync", "Healthy", OLD_SHA, "Running", "one or more tasks are running"),
  status("OutOfSync", "Progressing", OLD_SHA, "Running", "waiting for healthy state of apps/Deployment/booking"),
  status("Synced", "Progressing", NEW_SHA, "Succeeded", "successfully synced (all tasks run)"),
  status("Synced", "Healthy", NEW_SHA, "Succeeded", "successfully synced (all tasks run)"),
];
const APPS: Record<string, FakeApp> = {
  "ticketing-prod": { script: rollout },
  "ticketing-auto": { automated: true, script: rollout },
  broken: {
    script: [
      status("OutOfSync", "Healthy", OLD_SHA, "Running", "one or more tasks are running"),
      status("OutOfSync", "Degraded", OLD_SHA, "Failed", 'one or more objects failed to apply, reason: Deployment.apps "booking" is invalid'),
    ],
  },
  degraded: { script: [status("Synced", "Degraded", NEW_SHA, "Succeeded", "successfully synced", "Deployment \"booking\" exceeded its progress deadline")] },
  stuck: { script: [status("OutOfSync", "Progressing", OLD_SHA, "Running", "waiting for healthy state of apps/Deployment/booking")] },
  slow: { hang: true, script: [] },
};

export interface FakeArgoCd {
  url: string;
  syncRequests: Array<{ app: string; body: Record<string, unknown>; authorization: string | undefined }>;
  sessionRequests: number;
  close(): Promise<void>;
}

export async function startFakeArgoCd(): Promise<FakeArgoCd> {
  const polls = new Map<string, number>(); // app -> GETs since rollout start (absent = not started)
  const fake: FakeArgoCd = { url: "", syncRequests: [], sessionRequests: 0, close: async () => {} };

  const send = (res: ServerResponse, code: number, body: unknown) => {
    res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
  };
  const grpcError = (res: ServerResponse, http: number, code: number, message: string) =>
    send(res, http, { error: message, code, message });
  const readJson = async (req: IncomingMessage) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  };
  const appJson = (name: string, app: FakeApp): Application => {
    const n = polls.get(name);
    const current = n === undefined ? status("Synced", "Healthy", OLD_SHA) : app.script[Math.min(n, app.script.length - 1)];
    return {
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Application",
      metadata: { name, namespace: "argocd" },
      spec: {
        project: "default",
        destination: { server: "https://kubernetes.default.svc", namespace: "ticketing" },
        source: { repoURL: "https://git.example.com/ticketing.git", path: "dist", targetRevision: "main" },
        ...(app.automated && { syncPolicy: { automated: { prune: true, selfHeal: true } } }),
      },
      status: current,
    };
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "POST" && url.pathname === "/api/v1/session") {
      fake.sessionRequests++;
      const body = await readJson(req);
      if (body.username === USERNAME && body.password === PASSWORD) return send(res, 200, { token: SESSION_TOKEN });
      return grpcError(res, 401, 16, "Invalid username or password");
    }
    const auth = req.headers.authorization;
    if (auth !== `Bearer ${API_TOKEN}` && auth !== `Bearer ${SESSION_TOKEN}`) {
      return grpcError(res, 401, 16, "no session information");
    }
    const m = /^\/api\/v1\/applications\/([^/]+)(\/sync)?$/.exec(url.pathname);
    const name = m ? decodeURIComponent(m[1] ?? "") : "";
    const app = APPS[name];
    if (!m) return grpcError(res, 404, 5, "Not Found");
    if (!app) return grpcError(res, 404, 5, `applications.argoproj.io "${name}" not found`);

    if (req.method === "GET" && !m[2]) {
      if (app.hang) return; // never answers
      if (app.automated && !polls.has(name)) polls.set(name, 0); // auto-sync picks up the new commit itself
      const body = appJson(name, app);
      if (polls.has(name)) polls.set(name, (polls.get(name) ?? 0) + 1);
      return send(res, 200, body);
    }
    if (req.method === "POST" && m[2]) {
      const body = await readJson(req);
      fake.syncRequests.push({ app: name, body, authorization: auth });
      if (app.automated && body.revision && body.revision !== "main") {
        return grpcError(res, 400, 9, `Cannot sync to ${String(body.revision)}: auto-sync currently set to main`);
      }
      if (!body.dryRun) polls.set(name, 0);
      return send(res, 200, appJson(name, app));
    }
    return grpcError(res, 405, 12, "Method Not Allowed");
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
