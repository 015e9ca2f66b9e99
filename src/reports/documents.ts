import type { Context } from '../cli/context';
import type { Ledger } from '../ledger/open';
import type { DocumentWriter } from './generate';

/** The report's pluggable documents (the KPI page once KPIs exist). */
export async function reportDocuments(_ctx: Context, _db: Ledger): Promise<DocumentWriter[]> {
  return [];
}
