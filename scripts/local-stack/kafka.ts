/**
 * A real single-node Apache Kafka broker (KRaft: broker and controller in one
 * JVM) for the local stack and the tests. The jars come from Maven Central
 * through scripts/kafka/pom.xml, so a fresh machine needs only Java and Maven.
 */
import { spawn } from 'node:child_process';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { Kafka, logLevel, type AclEntry, type SASLOptions } from 'kafkajs';
import type { KafkaAcl } from '../../charts/lib/kafka-acls.js';
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

// kafkajs builds these enums in a way Node's CommonJS export detection misses: read them off the module object.
const { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } = createRequire(import.meta.url)('kafkajs') as typeof import('kafkajs');

/** A SCRAM-SHA-512 login. */
export interface ScramCredentials {
  readonly username: string;
  readonly password: string;
}

/** A user of the broker (one per service) and what it may do, as the cluster's KafkaUser says. */
export interface KafkaUser {
  readonly username: string;
  readonly acls: readonly KafkaAcl[];
}

/** The kafkajs `sasl` option of a login. */
export function saslOptions(credentials: ScramCredentials): SASLOptions {
  return { mechanism: 'scram-sha-512', username: credentials.username, password: credentials.password };
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
  /**
   * Authenticate and authorize like the cluster: a SASL_PLAINTEXT listener
   * with SCRAM-SHA-512, the StandardAuthorizer (deny unless an ACL allows),
   * one user per entry with its ACLs, and a super user for the tools
   * (topics, ACLs). Passwords are made per data directory and kept in it.
   * @default plaintext, no authorization
   */
  users?: readonly KafkaUser[];
}

export interface RunningKafka {
  /** Bootstrap address for clients: `127.0.0.1:<port>`. */
  readonly brokers: string;
  readonly port: number;
  readonly dataDir: string;
  /** The broker's own log (stdout and stderr of the JVM). */
  readonly logFile: string;
  readonly pid: number;
  /** The super user (topics, ACLs, users) when the broker authenticates; undefined for a plaintext one. */
  readonly superUser?: ScramCredentials;
  /** The login of one of the `users` it was started with. */
  credentialsOf(username: string): ScramCredentials;
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
  const secured = options.users !== undefined;
  const superUser = secured ? { username: superUserName, password: superUserPassword(files.superUserSecret) } : undefined;
  const credentialsOf = (username: string): ScramCredentials => {
    if (!superUser || !options.users?.some((u) => u.username === username)) throw new StackError(`Kafka on ${brokers} has no user ${username}.`);
    return { username, password: derivedPassword(superUser.password, username) };
  };
  writeFileSync(files.config, serverProperties(files.data, port, controllerPort, superUser), { mode: 0o600 });
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

  if (secured && existsSync(join(files.data, 'meta.properties')) && !existsSync(files.usersRecord)) {
    // Formatted before the broker authenticated: its metadata has no SCRAM users (the broker's own included).
    log(`Kafka's data in ${files.data} predates SCRAM authentication; formatting it anew.`);
    rmSync(files.data, { recursive: true, force: true });
    mkdirSync(files.data, { recursive: true });
  }
  const formatting = !existsSync(join(files.data, 'meta.properties'));
  if (formatting) {
    log(`Formatting Kafka storage in ${files.data}…`);
    // SCRAM users are metadata records: the super user (the broker logs in as it) and the services' from the start.
    const scram = superUser ? [superUser, ...(options.users ?? []).map((u) => credentialsOf(u.username))].flatMap((c) => ['--add-scram', scramRecord(c)]) : [];
    const format = await runCommand(java, [...jvmArgs, 'kafka.tools.StorageTool', 'format', '-t', newClusterId(), '-c', files.config, ...scram]);
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
    await waitFor(() => describeCluster(brokers, superUser), {
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
  if (superUser && options.users) {
    try {
      const users = options.users.map((u) => credentialsOf(u.username));
      await ensureUsers({ java, classpath, brokers, superUser, files, users, formatted: formatting });
      await grantAcls(brokers, superUser, options.users);
    } catch (error) {
      await stop();
      throw error;
    }
  }
  return { brokers, port, dataDir, logFile: files.log, pid, ...(superUser ? { superUser } : {}), credentialsOf, stop };
}

/** The ACLs of `users` on the broker, as kafkajs entries (the cluster resource is named `kafka-cluster`). */
export function aclEntries(users: readonly KafkaUser[]): AclEntry[] {
  const resourceTypes = {
    topic: AclResourceTypes.TOPIC,
    group: AclResourceTypes.GROUP,
    cluster: AclResourceTypes.CLUSTER,
    transactionalId: AclResourceTypes.TRANSACTIONAL_ID,
  };
  const operations: Record<string, AclEntry['operation']> = {
    Read: AclOperationTypes.READ,
    Write: AclOperationTypes.WRITE,
    Create: AclOperationTypes.CREATE,
    Delete: AclOperationTypes.DELETE,
    Alter: AclOperationTypes.ALTER,
    Describe: AclOperationTypes.DESCRIBE,
    ClusterAction: AclOperationTypes.CLUSTER_ACTION,
    AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
    DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
    IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
    All: AclOperationTypes.ALL,
  };
  return users.flatMap((user) =>
    user.acls.flatMap((acl) =>
      acl.operations.map((operation) => {
        const op = operations[operation];
        if (op === undefined) throw new StackError(`ACL operation ${operation} of ${user.username} has no Kafka equivalent here.`);
        return {
          resourceType: resourceTypes[acl.resource.type],
          resourceName: acl.resource.type === 'cluster' ? 'kafka-cluster' : (acl.resource.name ?? '*'),
          resourcePatternType: acl.resource.patternType === 'prefix' ? ResourcePatternTypes.PREFIXED : ResourcePatternTypes.LITERAL,
          principal: `User:${user.username}`,
          host: '*',
          operation: op,
          permissionType: acl.type === 'deny' ? AclPermissionTypes.DENY : AclPermissionTypes.ALLOW,
        };
      }),
    ),
  );
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
export async function ensureTopic(brokers: string, topic: string, partitions = 3, sasl?: ScramCredentials): Promise<boolean> {
  const admin = client(brokers, sasl).admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new StackError(`Could not reach Kafka at ${brokers} to create topic ${topic}: ${(error as Error).message}`);
  }
  try {
    const existing = await admin.listTopics();
    if (existing.includes(topic)) return false;
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
    // Leaders are elected a moment after creation; on a busy machine longer than kafkajs's own
    // wait (its metadata then answers "does not host this topic-partition"), so wait here.
    await waitFor(
      () =>
        admin.fetchTopicMetadata({ topics: [topic] }).then(
          ({ topics }) => topics[0]?.partitions.filter((p) => p.leader >= 0).length === partitions,
          () => false,
        ),
      { what: `a leader for every partition of topic ${topic}`, timeoutMs: 30_000 },
    );
    return created;
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
    /** The super user's password: made with the data (the broker's metadata holds its SCRAM record). */
    superUserSecret: join(dataDir, 'super-user.secret'),
    /** Users whose SCRAM records the metadata already holds. */
    usersRecord: join(dataDir, 'scram-users.json'),
    /** The super user's client settings, for Kafka's own tools. */
    adminClientConfig: join(dataDir, 'admin-client.properties'),
  };
}

/** The super user the broker and the tools log in as (Strimzi's is the cluster operator's certificate). */
const superUserName = 'ticketing-admin';

/** The super user of the broker whose data is in `dataDir`, if it authenticates (for tools such as bookings:tail). */
export function localSuperUser(dataDir: string): ScramCredentials | undefined {
  const file = kafkaFiles(resolve(dataDir)).superUserSecret;
  return existsSync(file) ? { username: superUserName, password: readFileSync(file, 'utf8').trim() } : undefined;
}

function superUserPassword(file: string): string {
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/** A user's password, derived from the super user's: stable for the life of the data directory, never stored. */
function derivedPassword(superPassword: string, username: string): string {
  return createHmac('sha256', superPassword).update(`kafka-user:${username}`).digest('base64url');
}

/** StorageTool / kafka-configs form of a SCRAM-SHA-512 credential (passwords are base64url: no quoting needed). */
function scramRecord(c: ScramCredentials): string {
  return `SCRAM-SHA-512=[name=${c.username},password=${c.password}]`;
}

/**
 * Adds the SCRAM records of users declared since the data directory was
 * formatted (a new service), with Kafka's own kafka-configs tool, as the
 * super user. Those formatted with the data are already there.
 */
async function ensureUsers(o: {
  java: string;
  classpath: string;
  brokers: string;
  superUser: ScramCredentials;
  files: ReturnType<typeof kafkaFiles>;
  users: readonly ScramCredentials[];
  /** Formatted by this start, with every user's record. */
  formatted: boolean;
}): Promise<void> {
  const known = new Set<string>(!o.formatted && existsSync(o.files.usersRecord) ? (JSON.parse(readFileSync(o.files.usersRecord, 'utf8')) as string[]) : []);
  const missing = o.formatted ? [] : o.users.filter((u) => !known.has(u.username));
  if (missing.length > 0) {
    writeFileSync(o.files.adminClientConfig, `security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=${jaas(o.superUser)}\n`, {
      mode: 0o600,
    });
    for (const user of missing) {
      const args = [
        '--bootstrap-server',
        o.brokers,
        '--command-config',
        o.files.adminClientConfig,
        '--alter',
        '--entity-type',
        'users',
        '--entity-name',
        user.username,
      ];
      const result = await runCommand(o.java, [
        '-Xmx256m',
        '-cp',
        o.classpath,
        'kafka.admin.ConfigCommand',
        ...args,
        '--add-config',
        `SCRAM-SHA-512=[password=${user.password}]`,
      ]);
      if (result.code !== 0) throw new StackError(`Adding Kafka user ${user.username} failed (exit code ${result.code}):`, lastLines(result.output, 15));
    }
  }
  writeFileSync(o.files.usersRecord, JSON.stringify([...new Set([...known, ...o.users.map((u) => u.username)])].sort()));
}

/** Grants every user its ACLs (creating an ACL that exists is a no-op). */
async function grantAcls(brokers: string, superUser: ScramCredentials, users: readonly KafkaUser[]): Promise<void> {
  const entries = aclEntries(users);
  if (entries.length === 0) return;
  const admin = client(brokers, superUser).admin();
  await admin.connect();
  try {
    await admin.createAcls({ acl: entries });
  } finally {
    await admin.disconnect();
  }
}

function jaas(c: ScramCredentials): string {
  return `org.apache.kafka.common.security.scram.ScramLoginModule required username="${c.username}" password="${c.password}";`;
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

function client(brokers: string, sasl?: ScramCredentials): Kafka {
  // Quiet: a broker that is not up yet is expected while we wait for it.
  return new Kafka({
    clientId: 'local-stack',
    brokers: brokers.split(','),
    ...(sasl ? { sasl: saslOptions(sasl) } : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3000,
    // A topic just created may not be served yet (UNKNOWN_TOPIC_OR_PARTITION while its leader is elected): retry a few times.
    retry: { retries: 5 },
  });
}

async function describeCluster(brokers: string, sasl?: ScramCredentials): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'local-stack-probe',
    brokers: [brokers],
    ...(sasl ? { sasl: saslOptions(sasl) } : {}),
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

function serverProperties(dataDir: string, port: number, controllerPort: number, superUser?: ScramCredentials): string {
  const client = superUser ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const security = superUser
    ? `# Like the cluster's Strimzi listener: SCRAM-SHA-512, and nothing is allowed unless an ACL says so.
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas(superUser)}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
# The controller listener (loopback, controller requests only) is PLAINTEXT: its principal is ANONYMOUS.
super.users=User:${superUser.username};User:ANONYMOUS
`
    : '';
  return `# Written by scripts/local-stack/kafka.ts at every start; edits are overwritten.
# One JVM is both broker and KRaft controller (no ZooKeeper).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:${controllerPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=${client}
listener.security.protocol.map=${client}:${client},CONTROLLER:PLAINTEXT
# Loopback only: nothing outside this machine can reach the broker.
listeners=${client}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=${client}://127.0.0.1:${port}
${security}log.dirs=${dataDir}
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
# A test run creates hundreds of small topics: each partition's index files are
# preallocated at this size (sparse where the file system allows; 10 MiB by default).
log.index.size.max.bytes=1048576
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
