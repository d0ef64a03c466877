"""Seen attacks: FGSM (plain and with random start), PGD-L∞, MIA, PGD-L2 and APGD-CE.

Each takes the model, images x [B,C,H,W] in [0,1], labels y [B], the budget in [0,1] pixel units
and a torch.Generator for its randomness, and returns the adversarial images. All maximise the
cross-entropy of the true label and return their final iterate (APGD: its best point).
"""
import torch
import torch.nn.functional as F


def _grad(model, x, y):
    x = x.clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), y, reduction='sum')
    return torch.autograd.grad(loss, x)[0]


def _per_sample(v, like):
    return v.view(-1, *([1] * (like.dim() - 1)))


def fgsm(model, x, y, eps, gen, **_):
    """Goodfellow et al. 2015: one signed step of size ε from the clean image."""
    return (x + eps * _grad(model, x, y).sign()).clamp(0, 1)


def fgsm_rs(model, x, y, eps, step, gen, **_):
    """Wong et al. 2020 ("fast is better than free"): start U(−ε, ε), one signed step of α,
    back into the ε-ball and the box."""
    delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * eps
    start = (x + delta).clamp(0, 1)
    delta = (start - x + step * _grad(model, start, y).sign()).clamp(-eps, eps)
    return (x + delta).clamp(0, 1)


def pgd_linf(model, x, y, eps, step, steps, gen, **_):
    """Madry et al. 2018: start U(−ε, ε), signed steps, clip to the ball and the box."""
    delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * eps
    adv = (x + delta).clamp(0, 1)
    for _ in range(steps):
        adv = adv + step * _grad(model, adv, y).sign()
        adv = torch.min(torch.max(adv, x - eps), x + eps).clamp(0, 1)
    return adv


def mia(model, x, y, eps, step, steps, gen, momentum=1.0, **_):
    """Dong et al. 2018 (MI-FGSM): g ← μg + ∇/‖∇‖₁ per sample, signed steps on g, no start."""
    adv = x.clone()
    g = torch.zeros_like(x)
    for _ in range(steps):
        grad = _grad(model, adv, y)
        l1 = grad.abs().flatten(1).sum(1)
        g = momentum * g + grad / _per_sample(l1 + 1e-12, grad)
        adv = adv + step * g.sign()
        adv = torch.min(torch.max(adv, x - eps), x + eps).clamp(0, 1)
    return adv


def pgd_l2(model, x, y, eps, step, steps, gen, **_):
    """PGD in L2 (as advex-uar's pgd_attack with norm 'l2'): start uniform in the ball, steps
    along ∇/‖∇‖₂, projection onto the ball, clip to the box."""
    b = x.shape[0]
    n = x[0].numel()
    direction = torch.randn(x.shape, generator=gen)
    direction = direction / _per_sample(direction.flatten(1).norm(dim=1), x)
    radius = eps * torch.rand(b, generator=gen) ** (1.0 / n)
    delta = direction * _per_sample(radius, x)
    delta = (x + delta).clamp(0, 1) - x
    for _ in range(steps):
        grad = _grad(model, x + delta, y)
        delta = delta + step * grad / _per_sample(grad.flatten(1).norm(dim=1) + 1e-12, grad)
        norm = delta.flatten(1).norm(dim=1)
        delta = delta * _per_sample(torch.clamp(eps / (norm + 1e-12), max=1.0), delta)
        delta = (x + delta).clamp(0, 1) - x
    return x + delta


def apgd_ce(model, x, y, eps, steps, gen, **_):
    """Croce & Hein 2020, APGD with cross-entropy, L∞, one run.

    Start x + ε·t/‖t‖∞ (t ~ U[−1,1]); η₀ = 2ε; z = P(x_k + η sign ∇),
    x_{k+1} = P(x_k + 0.75(z − x_k) + 0.25(x_k − x_{k−1})) (plain step first). Checkpoints after
    p₁ = 0.22 N iterations, then intervals shrinking by 0.03 N down to 0.06 N: a sample halves η
    and restarts from its best point when its loss rose in at most 75 % of the interval's steps,
    or when η was not halved at the previous checkpoint and its best loss is unchanged since.
    Returns the first misclassified point of each sample, else its highest-loss point.
    """
    b = x.shape[0]
    proj = lambda z: torch.min(torch.max(z, x - eps), x + eps).clamp(0, 1)
    t = torch.rand(x.shape, generator=gen) * 2 - 1
    t = t / _per_sample(t.abs().flatten(1).max(1)[0], t)
    cur = (x + eps * t).clamp(0, 1)

    def loss_grad(z):
        z = z.clone().requires_grad_(True)
        logits = model(z)
        loss = F.cross_entropy(logits, y, reduction='none')
        grad = torch.autograd.grad(loss.sum(), z)[0]
        return loss.detach(), grad, logits.argmax(1) == y

    loss, grad, correct = loss_grad(cur)
    best_loss, best, best_grad = loss.clone(), cur.clone(), grad.clone()
    found = cur.clone()
    fooled = ~correct
    eta = torch.full((b,), 2 * eps)
    # Checkpoint intervals: ⌊0.22N⌋, then shorter by ⌊0.03N⌋ each time, never below ⌊0.06N⌋.
    marks, interval, at = set(), max(int(0.22 * steps), 1), 0
    while at + interval <= steps:
        at += interval
        marks.add(at)
        interval = max(interval - max(int(0.03 * steps), 1), max(int(0.06 * steps), 1))
    prev = cur.clone()
    rises = torch.zeros(b)
    last_mark = 0
    halved_last = torch.ones(b, dtype=torch.bool)
    best_at_mark = best_loss.clone()
    for k in range(steps):
        step = _per_sample(eta, x)
        z = proj(cur + step * grad.sign())
        nxt = proj(cur + 0.75 * (z - cur) + 0.25 * (cur - prev)) if k > 0 else z
        prev, cur = cur, nxt
        loss_new, grad, correct = loss_grad(cur)
        newly = (~correct) & (~fooled)
        found[newly] = cur[newly]
        fooled |= ~correct
        rises += (loss_new > loss).float()
        loss = loss_new
        better = loss > best_loss
        best_loss = torch.where(better, loss, best_loss)
        best[better] = cur[better]
        best_grad[better] = grad[better]
        if k + 1 in marks:
            interval = k + 1 - last_mark
            oscillating = rises <= 0.75 * interval
            stalled = (~halved_last) & (best_at_mark >= best_loss)
            cut = oscillating | stalled
            eta = torch.where(cut, eta / 2, eta)
            cur[cut] = best[cut]
            grad[cut] = best_grad[cut]
            loss = torch.where(cut, best_loss, loss)
            halved_last = cut
            best_at_mark = best_loss.clone()
            rises.zero_()
            last_mark = k + 1
    return torch.where(_per_sample(fooled, x), found, best)
