"""Unseen attacks of Kang et al. 2019 ("Testing robustness against unforeseen adversaries"),
after the algorithms of `ddkang/advex-uar` (gabor_attack.py, fog_attack.py, snow_attack.py,
elastic_attack.py, jpeg_attack.py, fw_attack.py), in [0,1] pixel units.

Like advex-uar, every attack takes signed-gradient (or Frank-Wolfe) steps on its own variables
and returns the image of its final iterate. Where advex-uar's code cannot run on small images
(Fog's fixed 16-pixel crop, JPEG's multiple-of-16 sizes, Snow's whole 8×8 budget blocks) or
measures a budget differently from the threat model the product states, the function follows
the stated threat model and says so; `variant='advex-uar'` reproduces advex-uar's own choice
where one exists, for measurements.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F


def _grad(model, render, params, y):
    params = [p.clone().requires_grad_(True) for p in params]
    loss = F.cross_entropy(model(render(params)), y, reduction='sum')
    return params, torch.autograd.grad(loss, params)


def _np_rng(gen):
    return np.random.RandomState(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))


# ---------------------------------------------------------------------------------------- Gabor

def gabor_kernel(size, sigma, wavelength, theta, sides):
    ys, xs = torch.meshgrid(torch.linspace(-0.5, 0.5, size), torch.linspace(-0.5, 0.5, size),
                            indexing='ij')
    out = torch.zeros(size, size)
    for i in range(sides):
        th = theta + math.pi * i / sides
        rx = xs * math.cos(th) + ys * math.sin(th)
        ry = -xs * math.sin(th) + ys * math.cos(th)
        s2 = (sigma + 1e-3) ** 2
        out += torch.exp(-0.5 * (rx ** 2 / s2 + ry ** 2 / s2)) * torch.cos(2 * math.pi * wavelength * rx)
    return out


def gabor_convolve(v, kernels):
    """Each sample's map correlated with its own kernel, 'same' size: advex-uar's grouped
    F.conv2d(…, padding=k//2, groups=B), computed through FFTs (a grouped convolution with
    one group per image is slow on the CPU)."""
    b, _, h, w = v.shape
    k = kernels.shape[-1]
    size = (h + k - 1, w + k - 1)
    spectrum = torch.fft.rfft2(v[:, 0], s=size) * torch.fft.rfft2(torch.flip(kernels[:, 0], dims=(1, 2)), s=size)
    full = torch.fft.irfft2(spectrum, s=size)
    return full[:, k // 2:k // 2 + h, k // 2:k // 2 + w].unsqueeze(1)


def gabor_noise(v, kernels):
    """v [B,1,H,W], kernels [B,1,k,k] → contrast-normalised noise in [0,1], [B,1,H,W].

    advex-uar's normalize_var computes sqrt(|irfft(rfft((n − mean)²))|), which is |n − mean|.
    """
    n = gabor_convolve(v, kernels)
    b = n.shape[0]
    mean = n.flatten(1).mean(1).view(b, 1, 1, 1).detach()
    im_c = (n - mean).abs()
    im_c = (im_c / im_c.flatten(1).max(1)[0].view(b, 1, 1, 1)).detach()
    img = mean + (n - mean) * ((1.001) / (0.001 + im_c))
    lo = img.flatten(1).min(1)[0].view(b, 1, 1, 1).detach()
    hi = img.flatten(1).max(1)[0].view(b, 1, 1, 1).detach()
    return (img - lo) / (hi - lo)


def gabor(model, x, y, eps, step, steps, gen, support='complement', **_):
    """Gabor noise: x′ = clamp(x + ε·noise, 0, 1), the same noise on every channel.

    As advex-uar: one random 23×23 kernel per image; the variables start as a sparse draw
    (density 1/14, values U[−1,1]); after every signed step they are clamped to [−1,1] and
    multiplied by `mask = (draw == 0)`, so from the first step on the variables that move are
    those *outside* the draw (support='complement'). support='sparse' uses the draw's own
    positions instead, as the prose of the threat model describes.
    """
    b, c, h, w = x.shape
    rng = _np_rng(gen)
    kernels = []
    for _ in range(b):
        sides = rng.randint(10) + 1
        sigma = 0.3 * rng.rand() + 0.1
        wavelength = (23 / 4.0 - 3) * rng.rand() + 3
        theta = math.pi * rng.rand()
        kernels.append(gabor_kernel(23, sigma, wavelength, theta, sides))
    kernels = torch.stack(kernels).view(b, 1, 23, 23)
    count = b * h * w
    k = int(round(count / 14.0))
    draw = np.zeros(count, dtype=np.float32)
    draw[rng.choice(count, k, replace=False)] = rng.rand(k).astype(np.float32) * 2 - 1
    v = torch.from_numpy(draw).view(b, 1, h, w)
    mask = (v == 0).float() if support == 'complement' else (v != 0).float()
    render = lambda ps: (x + eps * gabor_noise(ps[0], kernels).expand(-1, c, -1, -1)).clamp(0, 1)
    for _ in range(steps):
        (v,), (g,) = _grad(model, render, [v], y)
        v = (v.detach() + step * g.sign()).clamp(-1, 1) * mask
    return render([v]).detach()


# ------------------------------------------------------------------------------------------ Fog

def fog_map(variables, batch, size, wibble_decay=2.0, variant='aligned'):
    """advex-uar's fog_creator (a diamond-square plasma map), [B,1,M,M] in [0,1].

    'aligned': neighbours one cell apart (the plasma fractal advex-uar ports) and the map scaled
    to [0,1] per image. 'advex-uar': its port's torch.roll(…, 2, …) (neighbours two cells apart)
    and one min/max over the whole batch.
    """
    shift = 2 if variant == 'advex-uar' else 1
    m = torch.zeros(batch, size, size)
    step = size
    wibble = 100.0
    k = 0

    def wibbled(total, index):
        return total / 4.0 + variables[index] * 2 * wibble - wibble

    while step >= 2:
        corners = m[:, 0:size:step, 0:size:step]
        acc = corners + torch.roll(corners, -1, 1)
        acc = acc + torch.roll(acc, -1, 2)
        m = m.clone()
        m[:, step // 2:size:step, step // 2:size:step] = wibbled(acc, k)
        k += 1
        dr = m[:, step // 2:size:step, step // 2:size:step]
        ul = m[:, 0:size:step, 0:size:step]
        lt = dr + torch.roll(dr, shift, 1) + ul + torch.roll(ul, -1, 2)
        m = m.clone()
        m[:, 0:size:step, step // 2:size:step] = wibbled(lt, k)
        k += 1
        tt = dr + torch.roll(dr, shift, 2) + ul + torch.roll(ul, -1, 1)
        m = m.clone()
        m[:, step // 2:size:step, 0:size:step] = wibbled(tt, k)
        k += 1
        step //= 2
        wibble /= wibble_decay
    if variant == 'advex-uar':
        m = m - m.min()
        m = m / m.max()
    else:
        m = m - m.flatten(1).min(1)[0].view(batch, 1, 1)
        m = m / m.flatten(1).max(1)[0].view(batch, 1, 1)
    return m.view(batch, 1, size, size)


def fog(model, x, y, eps, step, steps, gen, variant='aligned', **_):
    """Fog: x′ = clamp((x + ε·fog)/(x_max + ε), 0, 1), x_max per image and channel; signed steps
    on the map's U[0,1] variables, clamped to [0,1]. The map has side M = the next power of two
    ≥ the image side and is centre-cropped (advex-uar: 2^(⌊log₂ side⌋+1) with a fixed 16-pixel
    crop, which leaves nothing of a 28-pixel image)."""
    b, c, h, w = x.shape
    size = max(2, 2 ** math.ceil(math.log2(max(h, w))))
    top, left = (size - h) // 2, (size - w) // 2
    x_max = x.flatten(2).max(2)[0].view(b, c, 1, 1)
    params = []
    for i in range(int(math.log2(size))):
        for _ in range(3):
            params.append(torch.rand((b, 2 ** i, 2 ** i), generator=gen))

    def render(ps):
        f = fog_map(ps, b, size, variant=variant)[:, :, top:top + h, left:left + w]
        return ((x + eps * f) / (x_max + eps)).clamp(0, 1)

    for _ in range(steps):
        params, grads = _grad(model, render, params, y)
        params = [(p.detach() + step * g.sign()).clamp(0, 1) for p, g in zip(params, grads)]
    return render(params).detach()


# ----------------------------------------------------------------------------------------- Snow

def _trapez(yy, y0, w):
    return np.clip(np.minimum(yy + 1 + w / 2 - y0, -yy + 1 + w / 2 + y0), 0, 1)


def weighted_line(r0, c0, r1, c1, w, rmin=0, rmax=np.inf):
    """Anti-aliased line of width w (the stackoverflow routine advex-uar's make_kernels uses)."""
    if abs(c1 - c0) < abs(r1 - r0):
        xx, yy, val = weighted_line(c0, r0, c1, r1, w, rmin=rmin, rmax=rmax)
        return yy, xx, val
    if c0 > c1:
        return weighted_line(r1, c1, r0, c0, w, rmin=rmin, rmax=rmax)
    slope = (r1 - r0) / (c1 - c0)
    w *= np.sqrt(1 + np.abs(slope)) / 2
    xs = np.arange(c0, c1 + 1, dtype=float)
    ys = xs * slope + (c1 * r0 - c0 * r1) / (c1 - c0)
    thickness = np.ceil(w / 2)
    yy = np.floor(ys).reshape(-1, 1) + np.arange(-thickness - 1, thickness + 2).reshape(1, -1)
    xx = np.repeat(xs, yy.shape[1])
    vals = _trapez(yy, ys.reshape(-1, 1), w).flatten()
    yy = yy.flatten()
    keep = np.logical_and.reduce((yy >= rmin, yy < rmax, vals > 0))
    return yy[keep].astype(int), xx[keep].astype(int), vals[keep]


def snow_kernels(rng, size=13):
    """Seven 13×13 flake kernels [1,7,13,13]: a line from the centre to the lower right, point-
    mirrored, all flipped left-right with probability ½, blurred by a 3×3 Gaussian."""
    flip = rng.uniform() < 0.5
    out = []
    mid = size // 2
    for _ in range(7):
        k = np.zeros((size, size))
        rr, cc, val = weighted_line(mid, mid, rng.randint(mid + 2, size), rng.randint(mid + 2, size),
                                    rng.choice([1, 3, 5], p=[0.6, 0.3, 0.1]), mid, size)
        k[rr, cc] = val
        k[:mid + 1, :mid + 1] = k[::-1, ::-1][:mid + 1, :mid + 1]
        if flip:
            k = k[:, ::-1]
        sigma = rng.uniform(0.41, 0.6)
        taps = np.exp(-((np.arange(3) - 1.0) ** 2) / (2 * sigma * sigma))
        g = np.outer(taps, taps)
        g /= g.sum()
        kt = F.conv2d(torch.tensor(k.copy(), dtype=torch.float32).view(1, 1, size, size),
                      torch.tensor(g, dtype=torch.float32).view(1, 1, 3, 3), padding=1)
        out.append(kt)
    return torch.cat(out, 1)


def _snow_budget(i, budget, variant):
    """Scale every 8×8 block of a flake channel whose mean exceeds `budget` down to it.
    advex-uar pools into ⌊side/8⌋ whole blocks (none below 32-pixel images); 'aligned' also
    budgets the partial blocks at the border."""
    b, k, h, w = i.shape
    if variant == 'advex-uar':
        blocks = w // 8
        if blocks == 0:
            return i
        means = F.adaptive_avg_pool2d(i, blocks).clamp(min=budget)
        return i * F.interpolate(budget / means, scale_factor=8, mode='nearest')[:, :, :h, :w]
    ph, pw = -(-h // 8) * 8, -(-w // 8) * 8
    padded = F.pad(i, (0, pw - w, 0, ph - h))
    counts = F.avg_pool2d(F.pad(torch.ones_like(i), (0, pw - w, 0, ph - h)), 8)
    means = (F.avg_pool2d(padded, 8) / counts).clamp(min=budget)
    return i * F.interpolate(budget / means, scale_factor=8, mode='nearest')[:, :, :h, :w]


FLAKE_OFFSETS = [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (2, 0), (3, 0)]


def snow_grid(p4, h, w):
    """advex-uar's snow_creator grid: channel k holds p4[:, k] at its offset of every 4×4 cell."""
    grid = torch.zeros((p4.shape[0], 7, h, w))
    for k, (r, c) in enumerate(FLAKE_OFFSETS):
        grid[:, k, r::4, c::4] = p4[:, k]
    return grid


def snow_layer(p4, kernels, h, w):
    """conv2d(snow_grid(p4), kernels, padding=6), [B,1,H,W], computed as one strided transposed
    convolution per flake channel (the grid is 1/16 dense): snow[y, x] = out_k[y + 6 − r,
    x + 6 − c] with out_k = conv_transpose2d(p4_k, flipped kernel_k, stride 4)."""
    total = 0
    for k, (r, c) in enumerate(FLAKE_OFFSETS):
        flipped = torch.flip(kernels[:, k:k + 1], dims=(2, 3))
        out = F.conv_transpose2d(p4[:, k:k + 1], flipped, stride=4)
        out = F.pad(out, (0, max(0, 6 - c + w - out.shape[3]), 0, max(0, 6 - r + h - out.shape[2])))
        total = total + out[:, :, 6 - r:6 - r + h, 6 - c:6 - c + w]
    return total


def snow(model, x, y, eps, step, steps, gen, variant='aligned', **_):
    """Snow: intensities I = exp(−U/0.2) on a 4×4 grid of seven flake channels, drawn with their
    kernels; out = 0.75x + 0.25·max(x, 1.5·lum + 0.5), x′ = clamp(out + ε·snow, 0, 1). After each
    signed step but the last (as advex-uar), I is clamped to [1e-9, 1] and budgeted (mean ≤ 0.2
    per 8×8 block)."""
    b, c, h, w = x.shape
    rng = _np_rng(gen)
    kernels = snow_kernels(rng)
    i = torch.exp(-torch.rand((b, 7, h // 4, w // 4), generator=gen) / 0.2)
    lum = x if c == 1 else 0.2126 * x[:, 0:1] + 0.7152 * x[:, 1:2] + 0.0722 * x[:, 2:3]
    base = 0.75 * x + 0.25 * torch.max(x, 1.5 * lum + 0.5)

    def render(ps):
        return (base + eps * snow_layer(ps[0] ** 4, kernels, h, w)).clamp(0, 1)

    for it in range(steps):
        (i,), (g,) = _grad(model, render, [i], y)
        i = i.detach() + step * g.sign()
        if it != steps - 1:
            i = _snow_budget(i.clamp(1e-9, 1), 0.2, variant)
    return render([i]).detach()


# -------------------------------------------------------------------------------------- Elastic

def _gaussian_taps(size, sigma):
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    g = torch.exp(-(coords ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def elastic(model, x, y, eps, step, steps, gen, **_):
    """Elastic: a flow (B,2,H,W) starting U[−ε, ε], smoothed by a 25×25 Gaussian (σ = 3, reflect
    padding), resamples the image bilinearly (zeros outside); signed steps on the raw flow,
    clipped to ±ε. ε in pixels: advex-uar converts it to grid units with 2/side; with the grid's
    corners on the corner pixels (align_corners=True) one pixel is 2/(side − 1), used here so
    that ε is exactly pixels."""
    b, c, h, w = x.shape
    # The 25×25 Gaussian is separable: a 25-tap pass along each axis.
    taps = _gaussian_taps(25, 3.0)
    rows_k = taps.view(1, 1, 25, 1).repeat(2, 1, 1, 1)
    cols_k = taps.view(1, 1, 1, 25).repeat(2, 1, 1, 1)
    scale = torch.tensor([2.0 / (w - 1), 2.0 / (h - 1)]).view(1, 2, 1, 1)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h), torch.linspace(-1, 1, w), indexing='ij')
    base = torch.stack((xs, ys), -1).unsqueeze(0)
    flow = (torch.rand((b, 2, h, w), generator=gen) * 2 - 1) * eps

    def render(ps):
        padded = F.pad(ps[0] * scale, (12, 12, 12, 12), mode='reflect')
        smooth = F.conv2d(F.conv2d(padded, rows_k, groups=2), cols_k, groups=2)
        grid = base + smooth.permute(0, 2, 3, 1)
        return F.grid_sample(x, grid, mode='bilinear', padding_mode='zeros', align_corners=True)

    for _ in range(steps):
        (flow,), (g,) = _grad(model, render, [flow], y)
        flow = (flow.detach() + step * g.sign()).clamp(-eps, eps)
    return render([flow]).detach().clamp(0, 1)


# ----------------------------------------------------------------------------------------- JPEG

Y_TABLE = np.array([
    [16, 11, 10, 16, 24, 40, 51, 61], [12, 12, 14, 19, 26, 58, 60, 55],
    [14, 13, 16, 24, 40, 57, 69, 56], [14, 17, 22, 29, 51, 87, 80, 62],
    [18, 22, 37, 56, 68, 109, 103, 77], [24, 35, 55, 64, 81, 104, 113, 92],
    [49, 64, 78, 87, 103, 121, 120, 101], [72, 92, 95, 98, 112, 100, 103, 99]], dtype=np.float32)
C_TABLE = np.full((8, 8), 99, dtype=np.float32)
C_TABLE[:4, :4] = np.array([[17, 18, 24, 47], [18, 21, 26, 66], [24, 26, 56, 99], [47, 66, 99, 99]])


def _dct_basis():
    a = np.array([1 / np.sqrt(2)] + [1] * 7)
    t = np.zeros((8, 8, 8, 8), dtype=np.float32)
    for i in range(8):
        for j in range(8):
            for u in range(8):
                for v in range(8):
                    t[i, j, u, v] = (0.25 * a[u] * a[v] * np.cos((2 * i + 1) * u * np.pi / 16)
                                     * np.cos((2 * j + 1) * v * np.pi / 16))
    return torch.from_numpy(t)


def _blocks(plane):
    b, h, w = plane.shape
    return plane.view(b, h // 8, 8, w // 8, 8).permute(0, 1, 3, 2, 4).reshape(b, -1, 8, 8)


def _unblocks(blocks, h, w):
    b = blocks.shape[0]
    return blocks.view(b, h // 8, w // 8, 8, 8).permute(0, 1, 3, 2, 4).reshape(b, h, w)


class Jpeg:
    """The differentiable JPEG of advex-uar (after Shin & Song 2017) in [0,255] values, without
    rounding: YCbCr, 4:2:0 chroma, 8×8 DCT of (v − 128) divided by the quality-50 tables, and
    back. Sides that are not multiples of the block are edge-padded at the bottom/right. One
    channel is its own luminance. The tables are in the standard orientation (rows = vertical
    frequency); advex-uar's are transposed."""

    def __init__(self, h, w, c):
        self.h, self.w, self.c = h, w, c
        unit = 16 if c == 3 else 8
        self.ph, self.pw = -(-h // unit) * unit, -(-w // unit) * unit
        self.basis = _dct_basis()
        self.y_table = torch.from_numpy(Y_TABLE)
        self.c_table = torch.from_numpy(C_TABLE)

    def encode(self, x01):
        x = F.pad(x01 * 255, (0, self.pw - self.w, 0, self.ph - self.h), mode='replicate')
        if self.c == 1:
            planes = [(x[:, 0], self.y_table)]
        else:
            r, g, b = x[:, 0], x[:, 1], x[:, 2]
            yy = 0.299 * r + 0.587 * g + 0.114 * b
            cb = -0.168736 * r - 0.331264 * g + 0.5 * b + 128
            cr = 0.5 * r - 0.418688 * g - 0.081312 * b + 128
            down = lambda p: F.avg_pool2d(p.unsqueeze(1), 2).squeeze(1)
            planes = [(yy, self.y_table), (down(cb), self.c_table), (down(cr), self.c_table)]
        return [torch.tensordot(_blocks(p) - 128, self.basis, dims=2) / t for p, t in planes]

    def decode(self, coeffs):
        planes = []
        for k, q in enumerate(coeffs):
            t = self.y_table if k == 0 else self.c_table
            blocks = torch.tensordot(q * t, self.basis, dims=([2, 3], [2, 3])) + 128
            size = (self.ph, self.pw) if k == 0 else (self.ph // 2, self.pw // 2)
            planes.append(_unblocks(blocks, *size))
        if self.c == 1:
            img = planes[0].unsqueeze(1)
        else:
            yy = planes[0]
            up = lambda p: p.repeat_interleave(2, 1).repeat_interleave(2, 2)
            cb, cr = up(planes[1]) - 128, up(planes[2]) - 128
            img = torch.stack((yy + 1.402 * cr, yy - 0.344136 * cb - 0.714136 * cr,
                               yy + 1.772 * cb), 1)
        return (img[:, :, :self.h, :self.w].clamp(0, 255)) / 255


def _l1_vertex(grad, room, budget):
    """Frank-Wolfe vertex per sample (advex-uar's sort and bisection, exact): the largest |∇|
    coordinates get their full room until the L1 total reaches `budget`."""
    b = grad.shape[0]
    g = grad.reshape(b, -1)
    r = room.reshape(b, -1)
    order = torch.sort(g.abs(), dim=1, descending=True)[1]
    rs = torch.gather(r, 1, order)
    before = torch.cumsum(rs, 1) - rs
    take = torch.clamp(budget - before, min=0)
    take = torch.min(take, rs)
    mag = torch.zeros_like(g).scatter_(1, order, take)
    return (g.sign() * mag).view(grad.shape)


def _random_l1(shape, radius, gen):
    """Uniform in the L1 ball (exponentials with random signs, as advex-uar's init)."""
    e = -torch.log(1 - torch.rand(shape, generator=gen))
    e = e * torch.where(torch.rand(shape, generator=gen) < 0.5, -1.0, 1.0)
    ey = -torch.log(1 - torch.rand(shape[0], generator=gen))
    norm = ey + e.flatten(1).abs().sum(1)
    return e / norm.view(-1, *([1] * (len(shape) - 1))) * radius


def jpeg_l1(model, x, y, eps, steps, gen, box=2.0, **_):
    """JPEG-L1: Frank-Wolfe on offsets v of the quantised coefficients with ‖v‖₁ ≤ ε and |v| ≤ 2
    per coefficient. The offset is added as v (advex-uar adds v/2 through its noisy rounding, so
    its ε is twice this one), and the box room is 2 for every coefficient (advex-uar measures it
    from the current iterate, which lets iterates reach ±4)."""
    b, c, h, w = x.shape
    codec = Jpeg(h, w, c)
    clean = [q.detach() for q in codec.encode(x)]
    sizes = [q.shape[1] for q in clean]
    v = _random_l1((b, sum(sizes), 8, 8), eps, gen).clamp(-box, box)
    render = lambda ps: codec.decode([q + d for q, d in zip(clean, torch.split(ps[0], sizes, 1))])
    for it in range(steps):
        (v,), (g,) = _grad(model, render, [v], y)
        s = _l1_vertex(g, torch.full_like(g, box), eps)
        v = v.detach() + (s - v.detach()) / (it + 1.0)
    return render([v]).detach()


# ------------------------------------------------------------------------------------------- L1

def l1_fw(model, x, y, eps, steps, gen, **_):
    """L1 by Frank-Wolfe (advex-uar's fw_attack): ‖δ‖₁ ≤ ε (a total, [0,1] units), x + δ in
    [0,1]; the room of a coordinate is 1 − x where ∇ > 0, else x; δ ← δ + (s − δ)/(t + 1).
    The random start (discarded by the first step) is clipped to the box here; advex-uar
    evaluates it unclipped."""
    delta = (x + _random_l1(x.shape, eps, gen)).clamp(0, 1) - x
    render = lambda ps: x + ps[0]
    for it in range(steps):
        (delta,), (g,) = _grad(model, render, [delta], y)
        room = torch.where(g > 0, 1 - x, x)
        s = _l1_vertex(g, room, eps)
        delta = delta.detach() + (s - delta.detach()) / (it + 1.0)
    return (x + delta).clamp(0, 1).detach()
