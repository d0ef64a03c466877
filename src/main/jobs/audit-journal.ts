/** The store behind an audit's batch journal (engine/audit/journal.ts). */
import { decodeRecord, encodeRecord, type BatchJournal } from '../engine/audit/journal';
import type { Store } from '../store/index';

export function storeJournal(store: Store, auditId: string): BatchJournal {
  return {
    get(phase, batch) {
      const text = store.auditBatches.get(auditId, phase, batch);
      return text === undefined ? undefined : decodeRecord(text);
    },
    put(phase, batch, record) {
      store.auditBatches.put(auditId, phase, batch, encodeRecord(record));
    },
  };
}
