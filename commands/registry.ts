import type { Registry } from '../src/cli/main';
import init from './init';
import demo from './demo';
import status from './status';
import configCheck from './config/check';
import runsImport from './runs/import';
import runsList from './runs/list';
import runsShow from './runs/show';
import runsSync from './runs/sync';
import { killswitch } from './killswitch';
import guard from './guard';
import classify from './classify';
import { retry } from './retry';
import evidenceCollect from './evidence/collect';
import evidenceVerify from './evidence/verify';
import evidenceSanitize from './evidence/sanitize';
import auditLog from './audit/log';
import auditVerify from './audit/verify';
import auditTicket from './audit/ticket';
import auditList from './audit/list';
import kpi from './kpi';
import report from './report';
import snapshotCreate from './snapshot/create';
import snapshotList from './snapshot/list';
import snapshotShow from './snapshot/show';
import rollback from './rollback';
import { notify } from './notify';
import detect from './detect';
import { events } from './events';
import { watch } from './watch';
import { serve } from './serve';
import { exportGroup } from './export';

/** Every `ops` command, in the order `ops --help` lists them. */
export const registry: Registry = [
  init,
  demo,
  status,
  { command: 'runs <command>', describe: 'Import, sync, list and show workflow runs', commands: [runsImport, runsSync, runsList, runsShow] },
  killswitch,
  guard,
  classify,
  retry,
  { command: 'evidence <command>', describe: 'Collect, sanitize and verify evidence', commands: [evidenceCollect, evidenceSanitize, evidenceVerify] },
  kpi,
  { command: 'audit <command>', describe: 'The tamper-evident audit log, and audit tickets of incidents', commands: [auditLog, auditVerify, auditTicket, auditList] },
  report,
  { command: 'snapshot <command>', describe: 'Record and inspect the tracked state files to roll back to', commands: [snapshotCreate, snapshotList, snapshotShow] },
  rollback,
  detect,
  notify,
  events,
  watch,
  serve,
  exportGroup,
  { command: 'config <command>', describe: 'Check the .ops/ configuration', commands: [configCheck] },
];
