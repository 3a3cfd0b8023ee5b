/** A real SMTP server on 127.0.0.1 that a test starts and stops (smtp-server), recording what it receives. */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  /** The message as sent (headers and body), quoted-printable soft breaks joined. */
  raw: string;
}

export interface TestSmtp {
  port: number;
  received: ReceivedMail[];
  /** Addresses answered `550 no such user` at RCPT TO. */
  unknownMailboxes: Set<string>;
  /** Stops listening (the server is "down"); start() listens on the same port again. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startSmtp(port = 0): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const unknownMailboxes = new Set<string>();
  let server: SMTPServer | undefined;
  const smtp: TestSmtp = {
    port,
    received,
    unknownMailboxes,
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS', 'AUTH'],
        logger: false,
        onRcptTo(address, _session, callback) {
          if (unknownMailboxes.has(address.address)) return callback(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 }));
          callback();
        },
        onData(stream, session, callback) {
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            received.push({
              to: session.envelope.rcptTo.map((r) => r.address),
              raw: Buffer.concat(chunks)
                .toString('utf8')
                .replace(/=\r?\n/g, ''),
            });
            callback();
          });
        },
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(smtp.port, '127.0.0.1', () => resolve());
      });
      smtp.port = (server.server.address() as AddressInfo).port;
    },
    async stop() {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    },
  };
  await smtp.start();
  return smtp;
}
