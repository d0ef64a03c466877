/**
 * A hand-built ReportData shaped like a real audit of a Fashion-MNIST-sized classifier: seen and
 * unseen attacks, an ε sweep, a paper-style comparison, sanity flags and a gallery. Counts are
 * chosen per attack and the accuracies derived from them, as the audit engine stores them.
 */
import { differencePixels, encodePng } from '../../src/main/engine/report/images';
import {
  REPORT_SCHEMA_VERSION,
  type ReportAttackResult,
  type ReportData,
  type ReportGalleryItem,
} from '../../src/main/engine/report/types';

const TOTAL = 1000;

function count(correct: number, total = TOTAL) {
  return { correct, total, accuracy: correct / total };
}

type AttackSpec = Omit<ReportAttackResult, 'correct' | 'total' | 'accuracy'> & { correct: number };

const ATTACKS: AttackSpec[] = [
  {
    id: 'fgsm',
    name: 'FGSM',
    space: 'image',
    norm: 'linf',
    unit: 'pixel [0,1]',
    eps: 4 / 255,
    stepSize: 5 / 255,
    steps: 1,
    randomStart: true,
    seen: true,
    inWorstCase: true,
    correct: 612,
    timeMs: 2_310,
  },
  {
    id: 'pgd-linf',
    name: 'PGD-50',
    space: 'image',
    norm: 'linf',
    unit: 'pixel [0,1]',
    eps: 4 / 255,
    stepSize: 1 / 255,
    steps: 50,
    randomStart: true,
    seen: true,
    inWorstCase: true,
    correct: 497,
    timeMs: 84_200,
  },
  {
    id: 'mia',
    name: 'MIA',
    space: 'image',
    norm: 'linf',
    unit: 'pixel [0,1]',
    eps: 4 / 255,
    stepSize: 1 / 255,
    steps: 50,
    randomStart: false,
    seen: true,
    inWorstCase: true,
    correct: 503,
    timeMs: 83_950,
  },
  {
    id: 'pgd-l2',
    name: 'PGD-L2',
    space: 'image',
    norm: 'l2',
    unit: 'pixel [0,1]',
    eps: 0.5,
    stepSize: 0.05,
    steps: 50,
    randomStart: true,
    seen: true,
    inWorstCase: true,
    correct: 566,
    timeMs: 85_010,
  },
  {
    id: 'om-pgd',
    name: 'OM-PGD-50',
    space: 'latent',
    norm: 'linf',
    unit: 'latent',
    eps: 0.02,
    stepSize: 0.005,
    steps: 50,
    randomStart: true,
    seen: true,
    inWorstCase: false,
    correct: 431,
    timeMs: 191_400,
  },
  {
    id: 'fog',
    name: 'Fog',
    space: 'image',
    norm: 'fog',
    unit: 'attack-specific',
    eps: 128,
    stepSize: 0.002236,
    steps: 200,
    seen: false,
    inWorstCase: false,
    correct: 318,
    timeMs: 402_000,
    unitDetail: 'fog strength, [0,255] units',
    referenceNote: 'ε = 128 in [0,255] units, 200 signed steps of 0.002236',
  },
];

export function attacksOf(n: number = ATTACKS.length): ReportAttackResult[] {
  const out: ReportAttackResult[] = [];
  for (let i = 0; i < n; i++) {
    const base = ATTACKS[i % ATTACKS.length];
    // Extra attacks (for page-break tests) repeat the six kinds under short unique names.
    const extra = i >= ATTACKS.length;
    const correct = Math.max(0, base.correct - Math.floor(i / ATTACKS.length) * 7);
    out.push({
      ...base,
      id: extra ? `${base.id}-${i}` : base.id,
      name: extra ? `Attack ${i + 1}` : base.name,
      ...count(correct),
    });
  }
  return out;
}

/** A 28×28 grey image: a soft blob whose position depends on the seed. */
function blob(seed: number): Float32Array {
  const px = new Float32Array(28 * 28);
  const cx = 10 + (seed % 7);
  const cy = 9 + ((seed * 3) % 9);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      px[y * 28 + x] = Math.exp(-((x - cx) ** 2 + (y - cy) ** 2) / 40);
    }
  }
  return px;
}

function galleryItem(i: number, attack: ReportAttackResult): ReportGalleryItem {
  const clean = blob(i);
  const eps = attack.unit === 'pixel [0,1]' ? attack.eps : 0.08;
  const adv = clean.map((v, p) => Math.min(1, Math.max(0, v + (((p * 7 + i) % 3) - 1) * eps)));
  const diff = differencePixels(clean, adv, 1);
  return {
    attackId: attack.id,
    attackName: attack.name,
    label: 'Sneaker',
    cleanPrediction: 'Sneaker',
    adversarialPrediction: i % 3 === 2 ? 'Sneaker' : 'Sandal',
    clean: encodePng(clean, 28, 28, 1),
    adversarial: encodePng(adv, 28, 28, 1),
    difference: encodePng(diff.pixels, 28, 28, 1),
    differenceGain: diff.gain,
    perturbationNorm: eps,
  };
}

const CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Ten classes of 100 samples whose counts add up to the given totals. */
function perClassRows(clean: number, worst: number) {
  const share = (n: number, k: number) => Math.floor(n / 10) + (k < n % 10 ? 1 : 0);
  return CLASSES.map((className, k) => ({
    className,
    total: TOTAL / 10,
    cleanCorrect: share(clean, k),
    worstCorrect: share(worst, (k + 3) % 10),
  }));
}

export function makeReportData(opts: { attacks?: number; gallery?: number } = {}): ReportData {
  const attacks = attacksOf(opts.attacks);
  const inWorst = attacks.filter((a) => a.inWorstCase);
  const worstCorrect = Math.min(...inWorst.map((a) => a.correct)) - 21;
  const pgd = attacks[1];
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    audit: {
      id: 'a7f3c2e1',
      name: 'DMAT release audit',
      status: 'completed',
      createdAt: '2026-11-24T18:02:11.000Z',
    },
    model: {
      name: 'dmat',
      architecture: 'SmallResNet (0.27 M params)',
      method: 'DMAT [PGD-5, OM-PGD-5]',
      checksum: 'sha256:5be1…',
    },
    dataset: {
      name: 'om-fashion-mnist',
      split: 'test',
      samples: TOTAL,
      imageSource: 'on-manifold',
    },
    generatedAt: '2026-11-24T21:40:00.000Z',
    clean: count(861),
    attacks,
    worstCase: { ...count(worstCorrect), attackIds: inWorst.map((a) => a.id) },
    perClass: perClassRows(861, worstCorrect),
    sweeps: [
      {
        attackId: pgd.id,
        attackName: pgd.name,
        norm: 'linf',
        unit: 'pixel [0,1]',
        points: [0, 1, 2, 4, 8].map((k) => ({
          eps: k / 255,
          ...count([861, 790, 701, 497, 188][[0, 1, 2, 4, 8].indexOf(k)]),
        })),
      },
      {
        attackId: 'fgsm',
        attackName: 'FGSM',
        norm: 'linf',
        unit: 'pixel [0,1]',
        points: [0, 2, 4, 8].map((k, j) => ({ eps: k / 255, ...count([861, 733, 612, 402][j]) })),
      },
      {
        attackId: 'om-pgd',
        attackName: 'OM-PGD-50',
        norm: 'linf',
        unit: 'latent',
        points: [0, 0.01, 0.02, 0.04].map((eta, j) => ({
          eps: eta,
          ...count([861, 655, 431, 170][j]),
        })),
      },
    ],
    comparisons: [
      {
        title: 'Seen attacks (paper Table 1 layout)',
        columns: ['Standard', 'FGSM', 'PGD-50', 'MIA', 'Worst case', 'OM-PGD-50'],
        rows: [
          {
            model: 'normal',
            method: 'Normal training',
            accuracies: [0.912, 0.081, 0.0, 0.0, 0.0, 0.052],
          },
          {
            model: 'at',
            method: 'AT [PGD-5]',
            accuracies: [0.845, 0.633, 0.521, 0.524, 0.509, 0.144],
          },
          {
            model: 'omat',
            method: 'OM-AT [OM-PGD-5]',
            accuracies: [0.889, 0.212, 0.004, 0.002, 0.002, 0.468],
          },
          {
            model: 'dmat',
            method: 'DMAT [PGD-5, OM-PGD-5]',
            isSubject: true,
            accuracies: [0.861, 0.612, 0.497, 0.503, 0.476, 0.431],
          },
        ],
      },
    ],
    sanity: [
      {
        code: 'gradients-finite',
        severity: 'pass',
        title: 'Gradients are finite and non-zero',
        explanation:
          'Every sampled input gradient was finite and non-zero, so gradient attacks had a signal to follow.',
      },
      {
        code: 'eps-monotone',
        severity: 'pass',
        title: 'Accuracy falls as ε grows',
        explanation: 'Robust accuracy decreased at every larger budget in the PGD-50 sweep.',
      },
      {
        code: 'steps-monotone',
        severity: 'warning',
        title: 'More steps barely help',
        explanation:
          'PGD-50 is only 0.6 points stronger than MIA, which is expected but worth confirming with APGD.',
      },
      {
        code: 'deterministic',
        severity: 'pass',
        title: 'Outputs are deterministic',
        explanation:
          'Two forward passes on the same batch gave identical logits, so no stochastic defence hides the gradient.',
      },
    ],
    gallery: Array.from({ length: opts.gallery ?? 6 }, (_, i) =>
      galleryItem(i, attacks[i % attacks.length]),
    ),
    reproducibility: {
      appVersion: '0.1.0',
      backend: 'wasm (SIMD, 1 thread)',
      seeds: { audit: 1234, sampleOrder: 7 },
      configHash: 'sha256:9c1d0e4b7a2f5c8e3d6b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d',
      config: {
        samples: TOTAL,
        batchSize: 100,
        attacks: attacks.map((a) => ({ id: a.id, eps: a.eps, steps: a.steps })),
      },
      dataset: {
        name: 'om-fashion-mnist (test)',
        checksum: 'sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0',
      },
      models: [
        {
          name: 'dmat',
          role: 'classifier',
          checksum: 'sha256:5be1a2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f',
        },
        {
          name: 'om-fashion-mnist generator',
          role: 'generator',
          checksum: 'sha256:77aa88bb99cc00dd11ee22ff33aa44bb55cc66dd77ee88ff99aa00bb11cc22dd',
        },
      ],
      startedAt: '2026-11-24T18:02:11.000Z',
      finishedAt: '2026-11-24T18:16:00.000Z',
      durationMs: 829_000,
      host: 'linux x64, 2 CPUs, Node 20',
    },
  };
}
