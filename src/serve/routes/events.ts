import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { z } from 'zod';
import type { RouteDef } from '../api';
import type { Deps } from '../deps';
import type { Sink } from '../hub';
import { httpProblem } from '../problem';

/** GET /api/v1/events: the event log as Server-Sent Events, from the one hub. */
export function eventRoutes(deps: Deps): RouteDef<any, any>[] {
  return [
    {
      method: 'GET',
      path: '/events',
      summary:
        'Server-Sent Events: each event of the log as `id: <seq>`, `event: <type>`, data = `ops events tail --json`\'s line; resume with Last-Event-ID or ?since=SEQ; ?types=a,b (or a prefix: killswitch.*); a heartbeat comment every 15 s',
      role: 'viewer',
      produces: ['text/event-stream'],
      query: z.object({
        since: z.coerce.number().int().min(0).optional().describe('Resume after this seq (Last-Event-ID wins when both are given)'),
        types: z.string().optional().describe('Comma-separated event types; `x.*` matches a prefix'),
        access_token: z.string().optional().describe('The key, for EventSource (which cannot send headers); prefer the header'),
      }),
      handler: (c, { query }) => {
        const header = c.req.header('last-event-id');
        let since: number | null = query.since ?? null;
        if (header !== undefined && header.trim() !== '') {
          if (!/^\d+$/.test(header.trim())) throw httpProblem(400, `Last-Event-ID: expected an event seq, got ${JSON.stringify(header)}`);
          since = Number(header.trim());
        }
        const types = query.types ? query.types.split(',').map((t: string) => t.trim()).filter(Boolean) : null;
        // Straight onto the socket: the hub hands every client the same bytes of an event, one
        // socket write each, and the socket's own buffer count decides when one is too slow.
        const socket = (c.env as { outgoing: ServerResponse }).outgoing.socket;
        if (!socket) throw httpProblem(500, 'no socket under this request');
        socket.setNoDelay(true);
        socket.write(HEAD);
        deps.hub.subscribe(socketSink(socket), { since, types });
        return RESPONSE_ALREADY_SENT;
      },
    },
  ];
}

/**
 * The stream's response head, written by hand: no Content-Length and no chunked framing,
 * the body runs until the connection closes (`Connection: close`), so each event is
 * the same bytes for every client. (Node's response would frame each write per client, and
 * cork its socket until the next tick, which waits behind the work after a commit.)
 */
const HEAD = Buffer.from(
  [
    'HTTP/1.1 200 OK',
    'content-type: text/event-stream; charset=utf-8',
    'cache-control: no-cache, no-transform',
    // nginx: do not buffer the stream.
    'x-accel-buffering: no',
    'connection: close',
    '',
    '',
  ].join('\r\n'),
);

function socketSink(socket: Socket): Sink {
  return {
    write: (chunk) => void socket.write(chunk),
    get writableLength() {
      return socket.writableLength;
    },
    once: (event, listener) => socket.once(event, listener),
    end: () => socket.end(),
    destroy: () => socket.destroy(),
  };
}
