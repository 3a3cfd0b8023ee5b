/** Progress messages of the local-stack scripts. */

/** Receives one-line progress messages ("Starting Kafka on 127.0.0.1:9092…"). */
export type Logger = (message: string) => void;

/** The default logger: progress to stderr, so stdout stays for real output. */
export const logToStderr: Logger = (message) => {
  process.stderr.write(`${message}\n`);
};
