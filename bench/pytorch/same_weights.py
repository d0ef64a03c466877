"""PyTorch's time for the engine's benchmark steps on the same network and weights (the engine's
ONNX export, read by onnx_torch.py), with the given thread count, in PyTorch's two usual CPU
set-ups (see onnx_torch.py): the benchmark compares the engine against the faster.

    /usr/bin/python3 bench/pytorch/same_weights.py pgd-step   MODEL.onnx THREADS BATCH WARMUP REPEATS [VARIANT]
    /usr/bin/python3 bench/pytorch/same_weights.py train-step MODEL.onnx THREADS BATCH WARMUP REPEATS [VARIANT]
    /usr/bin/python3 bench/pytorch/same_weights.py pgd50 MODEL.onnx THREADS DATA.json [VARIANT]
    /usr/bin/python3 bench/pytorch/same_weights.py logits MODEL.onnx 1 IMAGES.f32 N

(logits: both set-ups' eval-mode logits for N NHWC images, the check that PyTorch runs the
engine's network: tests/unit/bench-torch-reference.test.ts.)

VARIANT ("as written" or "tuned") runs one set-up only; the benchmark runs "tuned" with glibc's
malloc kept from returning memory to the system (MALLOC_MMAP_THRESHOLD_ and friends), as a tuned
CPU deployment does (or uses jemalloc/tcmalloc): PyTorch's caching-free CPU allocator otherwise
maps and unmaps its large buffers on every step, and the page faults make a step take 1-4x as
long from one step to the next.

- pgd-step: one PGD L-infinity step in eval mode (input gradient of the cross-entropy, a signed
  step, the projection onto the eps-ball and [0, 1]), eps 4/255, step 1/255, parameters frozen;
- train-step: one training step in train mode (batch statistics), cross-entropy, SGD momentum;
- pgd50: what the engine's audit pass does, on the images in DATA.json's raw files: clean
  accuracy, then PGD-50 from a uniform random start, batch by batch.

Prints one JSON line: {"torch", "threads", "variants": {name: {...}}, "peakRssMb"}.
"""
import json
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from onnx_torch import OnnxModule

VARIANTS = {
    # name: (fold batch norm for inference, channels_last)
    "as written": (False, False),
    "tuned": (True, True),
}
# Training keeps batch norm as its own layer (batch statistics): "tuned" is channels_last there.


def model_for(path, variant, train):
    fold, channels_last = VARIANTS[variant]
    m = OnnxModule(path, fold_batch_norm=fold and not train)
    m.train(train)
    if not train:
        for p in m.parameters():
            p.requires_grad_(False)
    if channels_last:
        m = m.to(memory_format=torch.channels_last)
    return m, (lambda t: t.contiguous(memory_format=torch.channels_last)) if channels_last else (lambda t: t)


def input_shape(path):
    import onnx

    dims = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
    return [d.dim_value for d in dims[1:]]


def pgd_linf(model, layout, x, y, eps, step, delta):
    d = delta.clone().requires_grad_(True)
    loss = F.cross_entropy(model(layout((x + d).clamp(0, 1))), y)
    (g,) = torch.autograd.grad(loss, d)
    d = (delta + step * g.sign()).clamp(-eps, eps)
    return (x + d).clamp(0, 1) - x


def timed(run, warmup, repeats):
    for _ in range(warmup):
        run()
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        runs.append((time.perf_counter() - t0) * 1000)
    return {"msPerStep": statistics.median(runs), "runsMs": runs}


def step_case(mode, path, batch, warmup, repeats, only):
    torch.manual_seed(0)
    shape = input_shape(path)
    x = torch.rand(batch, *shape)
    y = torch.randint(0, 10, (batch,))
    out = {}
    for variant in only:
        if mode == "pgd-step":
            model, layout = model_for(path, variant, train=False)
            state = {"delta": torch.zeros_like(x)}

            def run():
                state["delta"] = pgd_linf(model, layout, x, y, 4 / 255, 1 / 255, state["delta"])

        else:
            model, layout = model_for(path, variant, train=True)
            opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            xs = layout(x)

            def run():
                opt.zero_grad(set_to_none=True)
                F.cross_entropy(model(xs), y).backward()
                opt.step()

        out[variant] = timed(run, warmup, repeats)
    return out


def pgd50_case(path, spec, only):
    n, shape = spec["n"], spec["shape"]
    x_all = torch.from_numpy(np.fromfile(spec["images"], dtype=np.float32).reshape(n, *shape)).permute(0, 3, 1, 2).contiguous()
    y_all = torch.from_numpy(np.fromfile(spec["labels"], dtype=np.int32).astype(np.int64))
    eps, step, steps, batch = spec["eps"], spec["stepSize"], spec["steps"], spec["batch"]
    out = {}
    for variant in only:
        model, layout = model_for(path, variant, train=False)
        gen = torch.Generator().manual_seed(0)
        clean = robust = 0
        t0 = time.perf_counter()
        for s in range(0, n, batch):
            x, y = x_all[s : s + batch], y_all[s : s + batch]
            with torch.no_grad():
                clean += int((model(layout(x)).argmax(1) == y).sum())
            delta = (torch.rand(x.shape, generator=gen) * 2 - 1) * eps
            delta = (x + delta).clamp(0, 1) - x
            for _ in range(steps):
                delta = pgd_linf(model, layout, x, y, eps, step, delta)
            with torch.no_grad():
                robust += int((model(layout(x + delta)).argmax(1) == y).sum())
        seconds = time.perf_counter() - t0
        out[variant] = {"imagesPerSecond": n / seconds, "seconds": seconds, "cleanAccuracy": clean / n, "robustAccuracy": robust / n}
    return out


def main():
    mode, path, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    if mode in ("pgd-step", "train-step"):
        only = sys.argv[7:8] or list(VARIANTS)
        variants = step_case(mode, path, int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), only)
    elif mode == "pgd50":
        only = sys.argv[5:6] or list(VARIANTS)
        with open(sys.argv[4]) as f:
            variants = pgd50_case(path, json.load(f), only)
    elif mode == "logits":
        n = int(sys.argv[5])
        shape = input_shape(path)
        x = torch.from_numpy(np.fromfile(sys.argv[4], dtype=np.float32).reshape(n, shape[1], shape[2], shape[0]))
        x = x.permute(0, 3, 1, 2).contiguous()
        variants = {}
        for variant in VARIANTS:
            model, layout = model_for(path, variant, train=False)
            with torch.no_grad():
                variants[variant] = {"logits": model(layout(x)).flatten().tolist()}
    else:
        raise SystemExit(f"unknown mode {mode}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"torch": torch.__version__, "threads": threads, "variants": variants, "peakRssMb": peak}))


if __name__ == "__main__":
    main()
