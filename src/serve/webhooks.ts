import type { Hono } from 'hono';
import type { Env } from './api';
import type { Deps } from './deps';

export function webhookRoutes(_app: Hono<Env>, _deps: Deps): void {}
