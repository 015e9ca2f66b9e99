import { z } from 'zod';
import { roleRank, roles } from '../keys';
import type { RouteDef } from '../api';

/** GET /api/v1/whoami: the key's name and role, so a client (the dashboard, ops-console --server) can say what it may do before it tries. */
export function sessionRoutes(): RouteDef<any, any>[] {
  return [
    {
      method: 'GET',
      path: '/whoami',
      summary: 'The key this request was made with: its name and role, and whether it may act (engage, release, replay)',
      role: 'viewer',
      response: z.object({ name: z.string(), role: z.enum(roles), can_act: z.boolean() }),
      handler: (c) => {
        const key = c.get('key')!;
        return c.json({ name: key.name, role: key.role, can_act: roleRank[key.role] >= roleRank.operator });
      },
    },
  ];
}
