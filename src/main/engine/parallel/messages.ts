/** Messages between the main thread of a data-parallel group and its replica threads. */
import type { TrainingMethod } from '../../../shared/api';
import type { ClassifierInfo } from '../models/classifier';
import type { GeneratorInfo } from '../models/generator';
import type { SgdState } from '../training/optimizer';
import type { MethodSettings } from '../training/method-context';
import type { CollectiveInit } from './collective';
import type { TransferredModel } from './model-transfer';

export interface ReplicaInit {
  rank: number;
  collective: CollectiveInit;
  method: TrainingMethod;
  classifier: TransferredModel<ClassifierInfo>;
  generator?: TransferredModel<GeneratorInfo>;
  settings: MethodSettings;
  momentum: number;
  weightDecay: number;
  optimizerState: SgdState;
  /** Longest wait for the other replicas, ms (Collective's default when absent). */
  timeoutMs?: number;
}

export interface ShardArrays {
  x: { data: Float32Array; shape: number[] };
  y: { data: Int32Array; shape: number[] };
  w?: { data: Float32Array; shape: number[] };
}

export type ToReplica =
  | { type: 'step'; shard: ShardArrays; lr: number; seed: number; weight: number }
  | { type: 'close' };

export type FromReplica =
  | { type: 'ready'; backend: string }
  | { type: 'stepped'; loss: number }
  | { type: 'failed'; message: string; stack?: string };
