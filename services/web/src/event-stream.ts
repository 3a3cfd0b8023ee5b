/**
 * Server-Sent Events read with fetch rather than EventSource: fetch can send
 * the session's bearer token, which the partner- and buyer-scoped streams
 * need.
 */
import { ApiError } from './api.js';
import { getSession } from './session.js';

/** Calls `onEvent` with each named event of the stream at `/api${path}` until it ends or `signal` aborts. */
export async function readEventStream(path: string, signal: AbortSignal, onEvent: (event: string, data: string) => void): Promise<void> {
  const session = getSession();
  const res = await fetch(`/api${path}`, {
    headers: { accept: 'text/event-stream', ...(session ? { authorization: `Bearer ${session.accessToken}` } : {}) },
    signal,
  });
  if (!res.ok || !res.body) throw new ApiError(res.status, 'stream', 'The live updates are not available.');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data) onEvent(event, data);
    }
  }
}
