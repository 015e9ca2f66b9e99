import { z } from 'zod';
import type { RouteDef } from '../api';
import type { Deps } from '../deps';
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
        return new Response(deps.hub.subscribe({ since, types }), {
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache, no-transform',
            connection: 'keep-alive',
            // nginx: do not buffer the stream.
            'x-accel-buffering': 'no',
          },
        });
      },
    },
  ];
}
