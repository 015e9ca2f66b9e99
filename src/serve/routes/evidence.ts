import type { RouteDef } from '../api';
import type { Deps } from '../deps';

export function evidenceRoutes(_deps: Deps): RouteDef<any, any>[] {
  return [];
}
