/** What each training method needs and does, from ALGORITHMS.md §4; drives the wizard. */
import type { TrainingMethod } from '@shared/api';

export interface MethodInfo {
  id: TrainingMethod;
  label: string;
  /** The loss per batch, as the paper writes it. */
  loss: string;
  summary: string;
  imageAttack: boolean;
  latentAttack: boolean;
  trades: boolean;
}

export const METHODS: MethodInfo[] = [
  {
    id: 'normal',
    label: 'Normal',
    loss: 'CE(f(g(w)), y)',
    summary: 'Standard training on the on-manifold images; the non-robust baseline.',
    imageAttack: false,
    latentAttack: false,
    trades: false,
  },
  {
    id: 'at',
    label: 'AT [PGD-K]',
    loss: 'CE(f(g(w) + δ*), y)',
    summary: 'Adversarial training in image space (Madry et al.): robust to L∞, not on-manifold.',
    imageAttack: true,
    latentAttack: false,
    trades: false,
  },
  {
    id: 'omat',
    label: 'OM-AT [OM-PGD-K]',
    loss: 'CE(f(g(w + λ*)), y)',
    summary: 'On-manifold adversarial training in the latent space of the generator.',
    imageAttack: false,
    latentAttack: true,
    trades: false,
  },
  {
    id: 'dmat',
    label: 'DMAT',
    loss: '½·CE(f(g(w) + δ*), y) + ½·CE(f(g(w + λ*)), y)',
    summary: 'Dual Manifold AT: every sample gets both the image and the latent attack.',
    imageAttack: true,
    latentAttack: true,
    trades: false,
  },
  {
    id: 'trades',
    label: 'TRADES',
    loss: 'CE(f(x), y) + β·KL(f(x) ‖ f(x + δ*))',
    summary: 'Trades clean accuracy for robustness through a KL term (Zhang et al.).',
    imageAttack: true,
    latentAttack: false,
    trades: true,
  },
  {
    id: 'dmat-trades',
    label: 'DMAT + TRADES',
    loss: 'CE(f(x), y) + β·KL(f(x) ‖ f(x + δ*)) + β·KL(f(x) ‖ f(g(w + λ*)))',
    summary: 'The TRADES form of DMAT (paper eq. 11).',
    imageAttack: true,
    latentAttack: true,
    trades: true,
  },
];

export function methodInfo(id: TrainingMethod): MethodInfo {
  const m = METHODS.find((x) => x.id === id);
  if (!m) throw new Error(`unknown training method "${id}"`);
  return m;
}
