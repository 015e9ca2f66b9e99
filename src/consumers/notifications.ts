import { payloadOf } from '../events/describe';
import { recordNotification } from '../notify/outbox';
import type { Consumer } from './consumer';

/** The outbox: one notification per event somebody is told about (src/notify/message decides which). */
export const notificationsConsumer: Consumer = {
  name: 'notifications',
  wants: (e) => e.payload !== null,
  handle(db, e) {
    recordNotification(db, e, payloadOf(e));
  },
  problem: (m) => `notifications: not queued (${m}); the next ops command queues them`,
};
