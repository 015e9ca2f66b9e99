import { z } from 'zod';
import type { RouteDef } from '../api';
import { requestContext, type Deps } from '../deps';
import { createKey, listKeys, revokeKey, roles } from '../keys';
import { httpProblem } from '../problem';

/** Admins manage keys over the API as `ops serve keys` does on the server's machine. */
export function keyRoutes(deps: Deps): RouteDef<any, any>[] {
  const keySchema = z.object({ id: z.number(), name: z.string(), role: z.enum(roles), prefix: z.string(), created_at: z.string(), created_by: z.string(), revoked_at: z.string().nullable() });
  return [
    { method: 'GET', path: '/keys', summary: 'Every API key (never the secret): name, role, prefix, created, revoked', role: 'admin', response: z.array(keySchema), handler: (c) => c.json(listKeys(deps.db)) },
    {
      method: 'POST',
      path: '/keys',
      summary: 'Create a key; the answer is the only time its secret is shown',
      role: 'admin',
      body: z.object({ name: z.string().min(1), role: z.enum(roles) }),
      response: keySchema.extend({ key: z.string() }),
      handler: async (c, { body }) => {
        const ctx = requestContext(deps, c.get('key'));
        const { secret, key } = await deps.write(() => createKey(deps.db, { name: body.name, role: body.role, now: ctx.nowIso, actor: { name: ctx.actor, role: ctx.role } }));
        deps.committed();
        deps.afterWrite();
        return c.json({ ...key, key: secret }, 201);
      },
    },
    {
      method: 'DELETE',
      path: '/keys/{name}',
      summary: 'Revoke the active key of that name',
      role: 'admin',
      response: keySchema,
      handler: async (c, { params }) => {
        const ctx = requestContext(deps, c.get('key'));
        try {
          const key = await deps.write(() => revokeKey(deps.db, { name: params.name!, now: ctx.nowIso, actor: { name: ctx.actor, role: ctx.role } }));
          deps.committed();
          deps.afterWrite();
          return c.json(key);
        } catch (err) {
          if ((err as Error).message.startsWith('no active key')) throw httpProblem(404, `no active key named ${params.name}`);
          throw err;
        }
      },
    },
  ];
}
