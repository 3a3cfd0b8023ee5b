/**
 * A real single-node Apache Kafka broker (KRaft: broker and controller in one
 * JVM) for the local stack and the tests. The jars come from Maven Central
 * through scripts/kafka/pom.xml, so a fresh machine needs only Java and Maven.
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { StackError } from './errors.js';
import { localDir, repoRoot } from './paths.js';
import { commandExists, lastLines, runCommand, tailFile } from './commands.js';
import { type Logger } from './logging.js';
import { readLivePid, stopProcess } from './pids.js';
import { assertPortsFree } from './ports.js';
import { waitFor } from './waiting.js';

/** Stays on 3.9: Kafka 4 dropped the old protocol versions kafkajs speaks. */
export const kafkaVersion = '3.9.1';
const pomFile = join(repoRoot, 'scripts', 'kafka', 'pom.xml');
const cacheDir = join(localDir, 'kafka');
const minimumJava = 17;

export interface KafkaInstallation {
  /** The java executable to run the broker with. */
  readonly java: string;
  /** Colon-separated jar paths of the broker and its dependencies. */
  readonly classpath: string;
}

/**
 * Checks Java and resolves the broker's jars (downloaded once by Maven,
 * then cached under .local/kafka/ until pom.xml changes).
 */
export async function ensureKafkaInstalled(options: { log?: Logger } = {}): Promise<KafkaInstallation> {
  const java = await checkJava();
  const pom = readFileSync(pomFile);
  const cacheFile = join(cacheDir, `classpath-${createHash('sha256').update(pom).digest('hex').slice(0, 12)}.txt`);
  const cached = readClasspath(cacheFile);
  if (cached) return { java, classpath: cached };

  await ensureMaven(options.log);
  options.log?.(`Downloading Apache Kafka ${kafkaVersion} from Maven Central (one time)…`);
  mkdirSync(cacheDir, { recursive: true });
  // Written aside and renamed, so a concurrent run never reads half a file.
  const partial = `${cacheFile}.${process.pid}.tmp`;
  const result = await runCommand('mvn', ['-B', '-q', '-Dstyle.color=never', '-f', pomFile, 'dependency:build-classpath', `-Dmdep.outputFile=${partial}`]);
  const classpath = result.code === 0 ? readClasspath(partial) : undefined;
  if (!classpath) {
    rmSync(partial, { force: true });
    throw new StackError(`Maven could not download Kafka ${kafkaVersion} (mvn exited ${result.code}). Last lines of its output:`, lastLines(result.output, 20));
  }
  renameSync(partial, cacheFile);
  return { java, classpath };
}

/** The classpath in `file` if every jar it names still exists (a wiped ~/.m2 means "download again"). */
function readClasspath(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const classpath = readFileSync(file, 'utf8').trim();
  const jars = classpath.split(':');
  return jars.length > 1 && jars.every((jar) => existsSync(jar)) ? classpath : undefined;
}

async function checkJava(): Promise<string> {
  const javaHome = process.env['JAVA_HOME'];
  const java = javaHome ? join(javaHome, 'bin', 'java') : 'java';
  const install = `Install it with: apt-get install -y openjdk-${minimumJava}-jre-headless`;
  if (!commandExists(java)) {
    throw new StackError(`Kafka needs Java ${minimumJava} or newer, and \`${java}\` was not found. ${install}`);
  }
  const { output } = await runCommand(java, ['-version']);
  // `openjdk version "17.0.15" …`, or `"1.8.0_392"` for Java 8.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(output);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (!(major >= minimumJava)) {
    throw new StackError(`Kafka needs Java ${minimumJava} or newer, but \`${java}\` is ${match ? `Java ${major}` : 'of unknown version'}. ${install}`);
  }
  return java;
}

async function ensureMaven(log: Logger | undefined): Promise<void> {
  if (commandExists('mvn')) return;
  const install = 'apt-get install -y --no-install-recommends maven';
  if (process.getuid?.() !== 0 || !commandExists('apt-get')) {
    throw new StackError(`Maven (mvn) is needed once to download Kafka's jars and is not installed. Install it with: sudo ${install}`);
  }
  log?.('Maven is not installed; installing it with apt-get (one time)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], install.split(' ').slice(1)]) {
    const result = await runCommand('apt-get', args, { env, showOutput: true });
    if (result.code !== 0) {
      throw new StackError(`Installing Maven failed (apt-get ${args.join(' ')} exited ${result.code}).`, lastLines(result.output, 15));
    }
  }
}

export interface StartKafkaOptions {
  /** Holds the config, the broker's log and its data; formatted on first use. */
  dataDir: string;
  /** Client (PLAINTEXT) port on 127.0.0.1. */
  port: number;
  /** KRaft controller port on 127.0.0.1. @default port + 1 */
  controllerPort?: number;
  /** Progress messages; silent when omitted. */
  log?: Logger;
  /** Skips ensureKafkaInstalled when the caller already has it. */
  installation?: KafkaInstallation;
  /** How long to wait for the broker to answer. @default 120 s (a JVM on 2 busy cores can be slow) */
  startTimeoutMs?: number;
}

export interface RunningKafka {
  /** Bootstrap address for clients: `127.0.0.1:<port>`. */
  readonly brokers: string;
  readonly port: number;
  readonly dataDir: string;
  /** The broker's own log (stdout and stderr of the JVM). */
  readonly logFile: string;
  readonly pid: number;
  /** Controlled shutdown (SIGTERM), waits until the JVM has exited. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a Kafka broker on 127.0.0.1:`port` with its data in `dataDir` and
 * resolves once a client can describe the cluster. Stopping and starting
 * again on the same dataDir keeps topics and offsets.
 */
export async function startKafka(options: StartKafkaOptions): Promise<RunningKafka> {
  const dataDir = resolve(options.dataDir);
  const port = options.port;
  const controllerPort = options.controllerPort ?? port + 1;
  const log = options.log ?? (() => {});
  const brokers = `127.0.0.1:${port}`;
  const files = kafkaFiles(dataDir);

  const runningPid = liveKafkaPid(dataDir);
  if (runningPid !== undefined) {
    throw new StackError(`Kafka is already running on ${dataDir} (pid ${runningPid}). Stop it first: kill ${runningPid}`);
  }
  await assertPortsFree([
    { port, what: 'Kafka' },
    { port: controllerPort, what: 'Kafka controller' },
  ]);
  const { java, classpath } = options.installation ?? (await ensureKafkaInstalled({ log }));

  mkdirSync(files.data, { recursive: true });
  writeFileSync(files.config, serverProperties(files.data, port, controllerPort));
  writeFileSync(files.log4j, log4jProperties);
  const jvmArgs = [
    '-Xms256m',
    '-Xmx512m',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j.configuration=file:${files.log4j}`,
    '-cp',
    classpath,
  ];

  if (!existsSync(join(files.data, 'meta.properties'))) {
    log(`Formatting Kafka storage in ${files.data}…`);
    const format = await runCommand(java, [...jvmArgs, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', files.config]);
    if (format.code !== 0) {
      throw new StackError(
        `Formatting Kafka storage in ${files.data} failed (exit code ${format.code}). Last lines of its output:`,
        lastLines(format.output, 20),
      );
    }
  }

  log(`Starting Kafka ${kafkaVersion} on ${brokers}…`);
  // One run per log file, so a failure shows only this attempt's lines.
  if (existsSync(files.log)) renameSync(files.log, `${files.log}.1`);
  const logFd = openSync(files.log, 'a');
  // Detached: Ctrl-C in our terminal must not reach the broker; the scripts
  // stop it themselves, after the services that use it.
  const child = spawn(java, [...jvmArgs, 'kafka.Kafka', files.config], { cwd: dataDir, detached: true, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  child.unref();
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  const pid = child.pid;
  if (pid === undefined) throw new StackError(`Could not start ${java}.`);
  writeFileSync(files.pid, `${pid}\n`);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // SIGTERM makes the broker shut down cleanly (flush, release locks).
    await stopProcess(pid, { signal: 'SIGTERM', timeoutMs: 30_000 });
    rmSync(files.pid, { force: true });
  };

  try {
    await waitFor(() => describeCluster(brokers), {
      what: `Kafka on ${brokers} to answer`,
      timeoutMs: options.startTimeoutMs ?? 120_000,
      intervalMs: 500,
      failIf: () =>
        exit === undefined ? undefined : new StackError(`Kafka failed to start on ${brokers} (${exit}). Last lines of ${files.log}:`, tailFile(files.log, 25)),
    });
  } catch (error) {
    await stop();
    if (error instanceof StackError && exit === undefined) {
      throw new StackError(`${error.message} Last lines of ${files.log}:`, tailFile(files.log, 25));
    }
    throw error;
  }
  return { brokers, port, dataDir, logFile: files.log, pid, stop };
}

/** Stops a broker left running on `dataDir` (e.g. by a run that was killed). */
export async function stopKafkaIfRunning(dataDir: string): Promise<void> {
  const files = kafkaFiles(resolve(dataDir));
  const pid = liveKafkaPid(resolve(dataDir));
  if (pid !== undefined) await stopProcess(pid, { signal: 'SIGTERM', timeoutMs: 30_000 });
  rmSync(files.pid, { force: true });
}

/**
 * Creates `topic` unless it exists. Returns whether it was created. An
 * existing topic is left as it is, whatever its partition count.
 */
export async function ensureTopic(brokers: string, topic: string, partitions = 3): Promise<boolean> {
  const admin = client(brokers).admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new StackError(`Could not reach Kafka at ${brokers} to create topic ${topic}: ${(error as Error).message}`);
  }
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return false;
    return await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------- internals

function kafkaFiles(dataDir: string) {
  return {
    config: join(dataDir, 'server.properties'),
    log4j: join(dataDir, 'log4j.properties'),
    data: join(dataDir, 'data'),
    log: join(dataDir, 'kafka.log'),
    pid: join(dataDir, 'kafka.pid'),
  };
}

/** The pid in the pid file, if it runs and is really a Kafka broker (pids get reused). */
function liveKafkaPid(dataDir: string): number | undefined {
  const pid = readLivePid(kafkaFiles(dataDir).pid);
  if (pid === undefined) return undefined;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka') ? pid : undefined;
  } catch {
    return pid;
  }
}

function client(brokers: string): Kafka {
  // Quiet: a broker that is not up yet is expected while we wait for it.
  return new Kafka({ clientId: 'local-stack', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 2 } });
}

async function describeCluster(brokers: string): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'local-stack-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** A KRaft cluster id: 16 random bytes, base64url; never starting with '-' (it would read as an option). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function serverProperties(dataDir: string, port: number, controllerPort: number): string {
  return `# Written by scripts/local-stack/kafka.ts at every start; edits are overwritten.
# One JVM is both broker and KRaft controller (no ZooKeeper).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
# Loopback only: nothing outside this machine can reach the broker.
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
log.dirs=${dataDir}
# A single broker can only hold one replica of anything.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
default.replication.factor=1
min.insync.replicas=1
# Topics are created on purpose (scripts/start.ts, tests), as in production.
auto.create.topics.enable=false
num.partitions=3
# Consumers in tests join at once; no reason to wait for more members.
group.initial.rebalance.delay.ms=0
`;
}

const log4jProperties = `# Written by scripts/local-stack/kafka.ts. The JVM's stdout is the broker's log file.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.org.apache.kafka.clients=WARN
`;
