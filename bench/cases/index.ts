/** Every benchmark case, in the order the table shows them. Add new cases here. */
import type { BenchCase } from '../types';
import { auditPgd50, auditPgd50Threads } from './audit-pgd50';
import { onnxResnet18PgdStep, onnxWrn2810PgdStep } from './onnx-pgd';
import { pgd50Pass } from './pgd50-pass';
import { queueAuditCases } from './queue-audit';
import { pgdStep, pgdStepLayers } from './pgd-step';
import { pgdStepThreads } from './pgd-step-threads';
import { trainStep } from './train-step';
import { trainStepEngine, trainStepReplicas } from './train-step-replicas';
import { unseenAttackCases } from './unseen-attacks';
import { trainMethodCases } from './train-methods';

export const benchCases: BenchCase[] = [
  trainStep,
  trainStepEngine,
  trainStepReplicas,
  pgdStep,
  pgdStepThreads,
  pgdStepLayers,
  pgd50Pass,
  auditPgd50,
  auditPgd50Threads,
  onnxResnet18PgdStep,
  onnxWrn2810PgdStep,
  ...unseenAttackCases,
  ...trainMethodCases,
  ...queueAuditCases,
];
