/**
 * Minimal typed client for the Argo CD REST API (the grpc-gateway surface served by argocd-server,
 * see https://<argocd>/swagger-ui). Only what CI needs: log in, read an Application, trigger a sync,
 * and wait until the Application is Synced + Healthy at a given revision.
 */
import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";

export type Application = IApplication;
export type ApplicationStatus = NonNullable<Application["status"]>;
export type ResourceStatus = NonNullable<ApplicationStatus["resources"]>[number];

export interface ArgoCdClientOptions {
  /** e.g. `https://argocd.example.com` or `argocd.example.com:443` (https is assumed without a scheme). */
  server: string;
  /** Bearer token (an API token or a session JWT). Can also be obtained later with `login()`. */
  token?: string;
  /** Per-request timeout. Default 30s. */
  requestTimeoutMs?: number;
  /**
   * DEV ONLY: skip TLS certificate verification (self-signed port-forwarded argocd-server).
   * Implemented by setting NODE_TLS_REJECT_UNAUTHORIZED=0, which affects EVERY TLS connection of
   * this process (Node prints a warning). Never use it in CI against a real cluster.
   */
  insecure?: boolean;
}

/** Body of an Argo CD API error (grpc-gateway runtime error). `code` is the gRPC status code. */
export interface ArgoCdErrorBody {
  error?: string;
  message?: string;
  code?: number;
}

export class ArgoCdError extends Error {
  override name = "ArgoCdError";
}

/** Non-2xx HTTP answer from Argo CD. */
export class ArgoCdApiError extends ArgoCdError {
  override name = "ArgoCdApiError";
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: ArgoCdErrorBody | string,
  ) {
    const detail = typeof body === "string" ? body.slice(0, 200) : (body.message ?? body.error ?? "");
    const code = typeof body === "object" && body.code !== undefined ? ` (grpc code ${body.code})` : "";
    super(`Argo CD ${method} ${path} failed: HTTP ${status}${detail ? `: ${detail}` : ""}${code}`);
  }
  /** Argo CD's own error message, if it sent one. */
  get apiMessage(): string | undefined {
    return typeof this.body === "string" ? undefined : (this.body.message ?? this.body.error);
  }
}

export type WaitFailureReason = "timeout" | "failed" | "degraded";

/** `waitUntilSyncedAndHealthy` gave up; `app` is the last Application seen (if any). */
export class ArgoCdWaitError extends ArgoCdError {
  override name = "ArgoCdWaitError";
  constructor(message: string, readonly reason: WaitFailureReason, readonly app: Application | undefined) {
    super(message);
  }
}

export interface SyncOptions {
  /** Git commit SHA (or any revision Argo CD can resolve). Omit to sync the Application's targetRevision. */
  revision?: string;
  prune?: boolean;
  dryRun?: boolean;
}

export interface Progress {
  elapsedMs: number;
  sync?: string;
  health?: string;
  revision?: string;
  phase?: string;
  message?: string;
}

export interface WaitOptions {
  /** Full commit SHA expected in status.sync.revision (Argo CD reports the resolved SHA). */
  revision: string;
  timeoutMs?: number; // default 10 min
  pollIntervalMs?: number; // default 5s
  /** Health may be Degraded briefly during a rollout; fail only if it stays Degraded this long. Default 60s. */
  degradedGraceMs?: number;
  onProgress?: (progress: Progress, app: Application) => void;
}

export interface OutOfSyncResource {
  kind?: string;
  namespace?: string;
  name?: string;
  status?: string;
  health?: string;
}

export function outOfSyncResources(app: Application): OutOfSyncResource[] {
  return (app.status?.resources ?? [])
    .filter((r) => r.status !== "Synced")
    .map((r) => ({ kind: r.kind, namespace: r.namespace, name: r.name, status: r.status, health: r.health?.status }));
}

export function progressOf(app: Application, elapsedMs: number): Progress {
  const s = app.status;
  return {
    elapsedMs,
    sync: s?.sync?.status,
    health: s?.health?.status,
    revision: s?.sync?.revision,
    phase: s?.operationState?.phase,
    message: s?.operationState?.message,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ArgoCdClient {
  private readonly baseUrl: string;
  private readonly requestTimeoutMs: number;
  private token: string | undefined;

  constructor(options: ArgoCdClientOptions) {
    const server = options.server.trim().replace(/\/+$/, "");
    if (!server) throw new ArgoCdError("Argo CD server URL is empty");
    this.baseUrl = /^https?:\/\//i.test(server) ? server : `https://${server}`;
    this.token = options.token;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    if (options.insecure) process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
  }

  /** POST /api/v1/session → JWT, used as bearer token for subsequent calls. */
  async login(username: string, password: string): Promise<string> {
    const { token } = await this.request<{ token?: string }>("POST", "/api/v1/session", { username, password });
    if (!token) throw new ArgoCdError("Argo CD session response contained no token");
    this.token = token;
    return token;
  }

  getApplication(name: string): Promise<Application> {
    return this.request("GET", `/api/v1/applications/${encodeURIComponent(name)}`);
  }

  /** POST /api/v1/applications/{name}/sync (ApplicationSyncRequest). Returns the Application with its new operation. */
  sync(name: string, options: SyncOptions = {}): Promise<Application> {
    const body = { name, revision: options.revision, prune: options.prune ?? false, dryRun: options.dryRun ?? false };
    return this.request("POST", `/api/v1/applications/${encodeURIComponent(name)}/sync`, body);
  }

  outOfSyncResources(app: Application): OutOfSyncResource[] {
    return outOfSyncResources(app);
  }

  /**
   * Polls until sync=Synced, health=Healthy and status.sync.revision === revision.
   * Fails fast when the sync operation for that revision ends Failed/Error, or health stays Degraded
   * longer than the grace period. Transient errors (network, 5xx) are retried until the deadline.
   */
  async waitUntilSyncedAndHealthy(name: string, options: WaitOptions): Promise<Application> {
    const { revision, timeoutMs = 600_000, pollIntervalMs = 5_000, degradedGraceMs = 60_000 } = options;
    const start = Date.now();
    let app: Application | undefined;
    let degradedSince: number | undefined;
    let transientError: Error | undefined;
    for (;;) {
      const now = Date.now();
      try {
        app = await this.getApplication(name);
        transientError = undefined;
      } catch (err) {
        const transient = err instanceof ArgoCdError && !(err instanceof ArgoCdApiError && err.status < 500);
        if (!transient) throw err;
        transientError = err;
      }
      if (app) {
        const p = progressOf(app, now - start);
        options.onProgress?.(p, app);
        if (p.sync === "Synced" && p.health === "Healthy" && p.revision === revision) return app;

        const op = app.status?.operationState;
        const opRevision = op?.syncResult?.revision ?? op?.operation?.sync?.revision;
        if ((p.phase === "Failed" || p.phase === "Error") && (!opRevision || opRevision === revision)) {
          throw new ArgoCdWaitError(`sync operation ${p.phase}: ${p.message ?? "(no message)"}`, "failed", app);
        }
        degradedSince = p.health === "Degraded" ? (degradedSince ?? now) : undefined;
        if (degradedSince !== undefined && now - degradedSince >= degradedGraceMs) {
          const why = app.status?.health?.message ? `: ${app.status.health.message}` : "";
          throw new ArgoCdWaitError(`application health Degraded for ${Math.round((now - degradedSince) / 1000)}s${why}`, "degraded", app);
        }
      }
      const remaining = timeoutMs - (Date.now() - start);
      if (remaining <= 0) {
        throw new ArgoCdWaitError(
          `timed out after ${timeoutMs / 1000}s waiting for ${name} to be Synced/Healthy at ${revision}` +
            (transientError ? ` (last error: ${transientError.message})` : ""),
          "timeout",
          app,
        );
      }
      await sleep(Math.min(pollIntervalMs, remaining));
    }
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = e.name === "TimeoutError" ? `timed out after ${this.requestTimeoutMs}ms` : (e.cause?.code ?? e.cause?.message ?? e.message);
      throw new ArgoCdError(`Argo CD ${method} ${this.baseUrl}${path} failed: ${why}`, { cause: err });
    }
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : {};
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const isObject = typeof json === "object" && json !== null;
      throw new ArgoCdApiError(method, path, res.status, isObject ? (json as ArgoCdErrorBody) : text);
    }
    if (json === undefined) {
      throw new ArgoCdError(`Argo CD ${method} ${path}: expected JSON, got ${res.headers.get("content-type") ?? "unknown content"} (wrong --server?)`);
    }
    return json as T;
  }
}
