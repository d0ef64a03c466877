"""PyTorch side of the ONNX bench case: torchvision's ResNet-18 (10 classes, seeded weights,
random batch-norm statistics) exported to ONNX for the engine to import, and PyTorch's own time
for the same PGD L-infinity step on the same weights (input gradient of the cross-entropy, a
signed step, the projection), in eval mode, with the thread count the engine uses.

    /usr/bin/python3 bench/pytorch/resnet18_pgd.py OUT.onnx THREADS BATCH REPEATS

Prints one JSON line: {"torch": version, "threads": T, "msPerStep": median, "runsMs": [...]}.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F
import torchvision


def main():
    out, threads, batch, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = torchvision.models.resnet18(num_classes=10)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.2, 0.2)
                m.running_var.uniform_(0.5, 1.5)
    model.eval()
    x = torch.rand(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    torch.onnx.export(
        model, x[:1], out, input_names=["input"], output_names=["logits"], opset_version=17,
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
    )
    for p in model.parameters():
        p.requires_grad_(False)
    eps, step = 4 / 255, 1 / 255
    delta = torch.zeros_like(x)

    def pgd_step(delta):
        d = delta.clone().requires_grad_(True)
        loss = F.cross_entropy(model((x + d).clamp(0, 1)), y)
        (g,) = torch.autograd.grad(loss, d)
        d = (delta + step * g.sign()).clamp(-eps, eps)
        return (x + d).clamp(0, 1) - x

    for _ in range(2):
        delta = pgd_step(delta)
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        delta = pgd_step(delta)
        runs.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "msPerStep": statistics.median(runs), "runsMs": runs}))


if __name__ == "__main__":
    main()
