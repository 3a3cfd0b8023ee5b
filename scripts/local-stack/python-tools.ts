/**
 * Python programs the tests use (schemathesis), installed as on a fresh
 * machine: a virtualenv per tool under the git-ignored .local/, the pinned
 * version from PyPI through pip. Later runs find it at once.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError, describeError } from './errors.js';
import { localDir } from './paths.js';
import { commandExists, lastLines, runCommand, type CommandResult } from './commands.js';
import { acquireLock } from './locks.js';
import { logToStderr, type Logger } from './logging.js';

export interface PythonTool {
  /** PyPI package. */
  readonly package: string;
  /** Pinned version. */
  readonly version: string;
  /** Console script the package installs. */
  readonly binary: string;
}

export const schemathesis: PythonTool = { package: 'schemathesis', version: '4.32.5', binary: 'schemathesis' };

const venvOf = (tool: PythonTool) => join(localDir, `venv-${tool.package}`);
/** Written last, so a half-finished install is never mistaken for a finished one. */
const markerOf = (tool: PythonTool) => join(venvOf(tool), `.installed-${tool.version}`);

/** Waits for the install lock: test files run in parallel and may all need the tool. */
async function lockInstall(tool: PythonTool, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  // The lock file lives beside the venv, in .local/, which a fresh clone does not have yet.
  mkdirSync(localDir, { recursive: true });
  for (;;) {
    try {
      return acquireLock(`${venvOf(tool)}.lock`, `an install of ${tool.package}`);
    } catch (error) {
      if (!(error instanceof StackError) || Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
}

/** Path of the tool's executable, installing the pinned version when it is missing. */
export async function ensurePythonTool(tool: PythonTool, options: { log?: Logger; timeoutMs?: number } = {}): Promise<string> {
  const venv = venvOf(tool);
  const binary = join(venv, 'bin', tool.binary);
  if (existsSync(markerOf(tool)) && existsSync(binary)) return binary;
  const timeoutMs = options.timeoutMs ?? 300_000;
  const python = ['python3', 'python'].find((name) => commandExists(name));
  if (!python) throw new StackError(`${tool.package} needs Python 3.9 or later (python3), which is not installed.`);
  const lock = await lockInstall(tool, timeoutMs);
  try {
    if (existsSync(markerOf(tool)) && existsSync(binary)) return binary;
    const source = `${tool.package}==${tool.version}`;
    (options.log ?? logToStderr)(`Installing ${source} into ${venv} (first time only)…`);
    rmSync(venv, { recursive: true, force: true });
    const failed = (step: string, result: CommandResult) =>
      new StackError(`Installing ${source} failed: ${step} exited with code ${result.code}.`, lastLines(result.output, 30));
    let created = await runCommand(python, ['-m', 'venv', venv], { timeoutMs });
    // Debian's own Python ships venv (ensurepip) as a separate package.
    if (created.code !== 0 && /ensurepip|python3-venv/.test(created.output) && commandExists('apt-get') && process.getuid?.() === 0) {
      (options.log ?? logToStderr)('Installing python3-venv with apt-get (one time)…');
      await runCommand('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv'], { timeoutMs });
      rmSync(venv, { recursive: true, force: true });
      created = await runCommand(python, ['-m', 'venv', venv], { timeoutMs });
    }
    if (created.code !== 0) throw failed(`${python} -m venv`, created);
    const installed = await runCommand(join(venv, 'bin', 'pip'), ['install', '--disable-pip-version-check', '--quiet', source], { timeoutMs });
    if (installed.code !== 0) throw failed('pip install (is PyPI reachable?)', installed);
    if (!existsSync(binary)) throw new StackError(`Installing ${source} did not provide ${binary}.`);
    writeFileSync(markerOf(tool), `${source}\n`);
    return binary;
  } finally {
    lock.release();
  }
}

/**
 * Installs schemathesis if needed (minutes, once per machine), so a test can
 * do it in its setup; a failure says what is missing: the test fails, it is
 * never skipped.
 */
export async function prepareContractTests(): Promise<void> {
  await ensurePythonTool(schemathesis).catch((error: unknown) => {
    throw new Error(`the contract test needs ${schemathesis.package} ${schemathesis.version}: ${describeError(error)}`);
  });
}

export interface ContractRun {
  /** URL of the served OpenAPI document; operations are called relative to it. */
  schemaUrl: string;
  /** Sent with every request as `Authorization: Bearer <token>`. */
  bearerToken?: string;
  /** Test cases per operation and phase. @default 10 */
  maxExamples?: number;
  /** Hard limit for the whole run. @default 75 s */
  timeoutMs?: number;
  /**
   * Ids of things that exist, by schemathesis binding key (`path.eventId`,
   * `body.seatIds[*]`): drawn half of the time, so operations get past 404
   * and their success bodies are checked too.
   */
  knownValues?: Record<string, readonly string[]>;
  /** An operation whose body is signed like the payment provider does (`sha256=<hex HMAC>` in `header`). */
  hmacSigned?: { method: string; path: string; header: string; secret: string };
  /** Operations left out (an event stream's answer never ends); their own tests cover them. */
  excludeOperationIds?: readonly string[];
}

/**
 * A schemathesis hook that signs the exact bytes sent: a requests auth
 * callable sees the prepared body, after serialization.
 */
const signingHook = `import hashlib, hmac, json, os
import schemathesis

SIGNED = json.loads(os.environ["CONTRACT_HMAC_SIGNED"])


def _sign(request):
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    digest = hmac.new(SIGNED["secret"].encode(), body, hashlib.sha256).hexdigest()
    request.headers[SIGNED["header"]] = "sha256=" + digest
    return request


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.method.upper() == SIGNED["method"].upper() and case.operation.path == SIGNED["path"]:
        kwargs["auth"] = _sign
`;

/** A schemathesis.toml with one dictionary per known-values key. */
function configFile(knownValues: Record<string, readonly string[]>): string {
  const lines: string[] = [];
  const bindings: string[] = [];
  Object.entries(knownValues).forEach(([key, values], index) => {
    lines.push(`[dictionaries.known-${index}]`, `values = ${JSON.stringify(values)}`, '');
    bindings.push(`${JSON.stringify(key)} = { dictionary = "known-${index}", probability = 0.5 }`);
  });
  return [...lines, '[parameters]', ...bindings, ''].join('\n');
}

/**
 * Runs schemathesis against a running service: every documented operation is
 * called with generated valid and invalid input, and any status, content type
 * or body the document does not describe (or any 5xx) is a failure.
 */
export async function runContractTests(run: ContractRun): Promise<CommandResult> {
  const binary = await ensurePythonTool(schemathesis);
  // Hypothesis keeps its example database in the working directory: a throwaway one.
  const cwd = mkdtempSync(join(tmpdir(), 'contract-'));
  // Found in the working directory; never one of the repository's.
  writeFileSync(join(cwd, 'schemathesis.toml'), configFile(run.knownValues ?? {}));
  const hookEnv: NodeJS.ProcessEnv = {};
  if (run.hmacSigned) {
    writeFileSync(join(cwd, 'contract_hooks.py'), signingHook);
    // The secret travels in the environment, not in a file.
    Object.assign(hookEnv, { SCHEMATHESIS_HOOKS: 'contract_hooks', PYTHONPATH: cwd, CONTRACT_HMAC_SIGNED: JSON.stringify(run.hmacSigned) });
  }
  const timeoutMs = run.timeoutMs ?? 75_000;
  try {
    const result = await runCommand(
      binary,
      [
        'run',
        run.schemaUrl,
        '--checks',
        'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
        '--phases',
        'examples,coverage,fuzzing',
        '--max-examples',
        String(run.maxExamples ?? 10),
        '--seed',
        '1',
        // One worker: Python 3.11's ast.parse, which Hypothesis calls, is not thread-safe.
        '--workers',
        '1',
        '--request-timeout',
        '10',
        '--suppress-health-check',
        'all',
        '--continue-on-failure',
        ...(run.bearerToken ? ['--header', `Authorization: Bearer ${run.bearerToken}`] : []),
        ...(run.excludeOperationIds ?? []).flatMap((id) => ['--exclude-operation-id', id]),
      ],
      { cwd, timeoutMs, env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_HOOKS: '', ...hookEnv } },
    );
    return result;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
