/** The table of training methods, one file each. */
import type { TrainingMethod } from '../../../../shared/api';
import { at } from './at';
import { dmat } from './dmat';
import { dmatTrades } from './dmat-trades';
import { normal } from './normal';
import { omat } from './omat';
import { trades } from './trades';
import type { TrainingMethodSpec } from './types';

export type { MethodBatch, MethodContext, PreparedStep, TrainingMethodSpec } from './types';

export const METHODS: Record<TrainingMethod, TrainingMethodSpec> = {
  normal,
  at,
  omat,
  dmat,
  trades,
  'dmat-trades': dmatTrades,
};

export function methodSpec(id: string): TrainingMethodSpec {
  const m = (METHODS as Record<string, TrainingMethodSpec>)[id];
  if (!m)
    throw new Error(`unknown training method "${id}"; known: ${Object.keys(METHODS).join(', ')}`);
  return m;
}
