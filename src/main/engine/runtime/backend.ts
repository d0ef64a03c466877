/**
 * Backend choice for the engine: tfjs-node-gpu → tfjs-node → wasm → cpu.
 *
 * The native packages are optional dependencies (they download libtensorflow at install,
 * which fails offline), so each candidate is tried and the reason it was passed over is kept
 * for the user. `DMAT_BACKEND` forces one candidate.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { registerCpuKernelFixes, registerWasmKernels } from './kernels/index';
import { relaxedSimd } from './kernels/simd/instances';
import { nativeKernels } from './kernels/native/native-kernels';
import { installBatchMoments } from './batch-moments';

export type BackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface BackendReport {
  /** tfjs backend name actually in use. */
  backend: string;
  /** Human label: which package provides it. */
  provider: string;
  /** Candidates that were tried and passed over, with the reason. */
  skipped: { provider: string; reason: string }[];
  /** Set when DMAT_BACKEND forced the choice. */
  forced?: string;
  /** Runtime facts worth showing (SIMD, threads). */
  details: Record<string, string | number | boolean>;
}

interface Candidate {
  key: string;
  provider: string;
  backend: BackendName;
  load: () => Promise<void>;
}

const require = createRequire(import.meta.url);

const candidates: Candidate[] = [
  {
    key: 'tensorflow-gpu',
    provider: '@tensorflow/tfjs-node-gpu',
    backend: 'tensorflow',
    load: async () => {
      // Checked before loading: a second native package would register every kernel again.
      if (!gpuVisible()) throw new Error('no CUDA device visible');
      loadNative('@tensorflow/tfjs-node-gpu');
    },
  },
  {
    key: 'tensorflow',
    provider: '@tensorflow/tfjs-node',
    backend: 'tensorflow',
    load: async () => loadNative('@tensorflow/tfjs-node'),
  },
  {
    key: 'wasm',
    provider: '@tensorflow/tfjs-backend-wasm',
    backend: 'wasm',
    load: async () => {
      await import('@tensorflow/tfjs-backend-wasm');
      registerWasmKernels();
    },
  },
  {
    key: 'cpu',
    provider: '@tensorflow/tfjs-backend-cpu (pure JS)',
    backend: 'cpu',
    load: async () => undefined,
  },
];

let current: Promise<BackendReport> | undefined;

/**
 * Require a native tfjs package only when its binary is there: the package registers its
 * kernels before it loads the binary, so a copy installed without it (`--ignore-scripts`, or
 * a download that failed) would leave a half-registered backend and a screen of warnings.
 */
function loadNative(pkg: string): void {
  const root = path.dirname(require.resolve(`${pkg}/package.json`));
  const lib = path.join(root, 'lib');
  const found =
    existsSync(lib) &&
    readdirSync(lib).some((d) => existsSync(path.join(lib, d, 'tfjs_binding.node')));
  if (!found) throw new Error(`installed without its native binary (run: npm rebuild ${pkg})`);
  require(pkg);
}

function explain(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/Cannot find module/.test(msg)) return 'not installed';
  return msg.split('\n')[0];
}

async function choose(forced: string | undefined): Promise<BackendReport> {
  const skipped: BackendReport['skipped'] = [];
  const aliases: Record<string, string> = { gpu: 'tensorflow-gpu', node: 'tensorflow', js: 'cpu' };
  const want = forced ? (aliases[forced] ?? forced) : undefined;
  if (want && !candidates.some((c) => c.key === want)) {
    throw new Error(
      `DMAT_BACKEND=${forced} is not a backend; use one of ${candidates.map((c) => c.key).join(', ')}`,
    );
  }
  for (const c of candidates) {
    if (want && c.key !== want) continue;
    try {
      await c.load();
      if (!(await tf.setBackend(c.backend))) throw new Error(`tfjs could not start "${c.backend}"`);
      await tf.ready();
      return {
        backend: tf.getBackend(),
        provider: c.provider,
        skipped,
        forced: want ? forced : undefined,
        details: runtimeDetails(c.backend),
      };
    } catch (err) {
      skipped.push({ provider: c.provider, reason: explain(err) });
      if (want) throw new Error(`DMAT_BACKEND=${forced}: ${c.provider} failed: ${explain(err)}`);
    }
  }
  throw new Error(
    `no tfjs backend could start: ${skipped.map((s) => `${s.provider}: ${s.reason}`).join('; ')}`,
  );
}

function gpuVisible(): boolean {
  // tfjs-node-gpu exposes no device query; CUDA_VISIBLE_DEVICES="" or -1 hides every GPU.
  const v = process.env.CUDA_VISIBLE_DEVICES;
  return v === undefined || (v !== '' && v !== '-1');
}

function runtimeDetails(backend: BackendName): BackendReport['details'] {
  const d: BackendReport['details'] = { tfjs: tf.version.tfjs };
  if (backend === 'wasm') {
    d.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    d.threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
    d['engine kernels'] = relaxedSimd()
      ? 'wasm SIMD, relaxed (fused multiply-add)'
      : 'wasm SIMD (no relaxed SIMD here)';
    d.convolutions = nativeKernels()
      ? 'native AVX2/FMA (native/)'
      : process.env.DMAT_NATIVE_KERNELS === '0'
        ? 'wasm SIMD (DMAT_NATIVE_KERNELS=0)'
        : 'wasm SIMD (native kernels not built or no AVX2 here)';
  }
  return d;
}

/**
 * Initialise the engine's backend once per process. Every engine entry point awaits this
 * before issuing a tensor op (on wasm an op before setBackend throws).
 */
export function initBackend(
  forced: string | undefined = process.env.DMAT_BACKEND,
): Promise<BackendReport> {
  current ??= choose(forced || undefined).then((report) => {
    // CPU backends: batch statistics as one op (and shared by data-parallel replicas). A GPU
    // backend keeps tfjs's own: the op reads its sums back to the host, a stall on a GPU.
    if (report.backend === 'wasm' || report.backend === 'cpu') installBatchMoments();
    if (report.backend === 'cpu') registerCpuKernelFixes();
    return report;
  });
  return current;
}

/** Test hook: switch to a specific backend in this process (used by the kernel tests). */
export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmKernels();
  }
  if (name === 'cpu') registerCpuKernelFixes();
  await tf.setBackend(name);
  await tf.ready();
  installBatchMoments();
}

export function describeBackend(r: BackendReport): string {
  const lines = [
    `backend: ${r.backend} (${r.provider})${r.forced ? ` — forced by DMAT_BACKEND=${r.forced}` : ''}`,
  ];
  for (const [k, v] of Object.entries(r.details)) lines.push(`  ${k}: ${v}`);
  for (const s of r.skipped) lines.push(`  not used: ${s.provider} — ${s.reason}`);
  return lines.join('\n');
}
