/**
 * Server-Sent Events (text/event-stream) for live views: seat maps, sales
 * windows, waiting-room positions. One owner for the wire format, the
 * heartbeat that keeps proxies from closing an idle stream, and closing every
 * open stream on shutdown (an open stream would otherwise hold the HTTP
 * server's drain until the grace period ends).
 */
import type { Request, Response } from 'express';

export interface EventStream {
  /** The client's `Last-Event-ID` on reconnect: where to resume from. */
  readonly lastEventId: string | undefined;
  readonly closed: boolean;
  /** Sends one event; `data` is JSON-encoded. Ignored once closed. */
  send(event: string, data: unknown, id?: string): void;
  /** Runs once when the client leaves or the server closes the stream. */
  onClose(listener: () => void): void;
  close(): void;
}

export interface EventStreams {
  /** Answers `req` with an event stream (200, no caching, no proxy buffering). */
  open(req: Request, res: Response): EventStream;
  /** Open streams right now. */
  readonly size: number;
  /** Ends every open stream (on shutdown). */
  closeAll(): void;
}

export interface EventStreamOptions {
  /** Comment line sent when nothing else was, so idle streams survive proxies. @default 15000 */
  heartbeatMs?: number;
  /** Reconnect delay the client is told to use. @default 2000 */
  retryMs?: number;
}

export function createEventStreams(options: EventStreamOptions = {}): EventStreams {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 2_000;
  const open = new Set<EventStream>();

  return {
    get size() {
      return open.size;
    },
    closeAll() {
      for (const stream of [...open]) stream.close();
    },
    open(req, res) {
      res.status(200);
      res.setHeader('content-type', 'text/event-stream; charset=utf-8');
      res.setHeader('cache-control', 'no-cache, no-transform');
      res.setHeader('x-accel-buffering', 'no');
      res.flushHeaders();
      res.write(`retry: ${retryMs}\n\n`);

      const listeners: (() => void)[] = [];
      let closed = false;
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      const finish = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        open.delete(stream);
        for (const listener of listeners.splice(0)) listener();
      };
      const stream: EventStream = {
        lastEventId: req.get('last-event-id') ?? undefined,
        get closed() {
          return closed;
        },
        send(event, data, id) {
          if (closed) return;
          // Event names and ids are ours; strip line breaks anyway so a value can never end the frame early.
          const line = (value: string) => value.replace(/[\r\n]/g, '');
          res.write(`${id === undefined ? '' : `id: ${line(id)}\n`}event: ${line(event)}\ndata: ${JSON.stringify(data)}\n\n`);
        },
        onClose(listener) {
          if (closed) listener();
          else listeners.push(listener);
        },
        close() {
          if (closed) return;
          finish();
          res.end();
        },
      };
      open.add(stream);
      res.once('close', finish);
      return stream;
    },
  };
}
