"""PyTorch side of the WRN-28-10 bench case: RobustBench's WideResNet-28-10 layout (pre-activation
blocks, batch norm that cannot be folded, 36.5 M parameters) with seeded weights, exported to
ONNX for the engine to import, and PyTorch's time for one PGD step on the same weights and batch.

    /usr/bin/python3 bench/pytorch/wrn28_10_pgd.py OUT.onnx THREADS BATCH REPEATS

Prints one JSON line: {"torch": version, "threads": T, "msPerStep": median, "runsMs": [...]}.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.equal = cin == cout
        self.shortcut = None if self.equal else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        o = F.relu(self.bn1(x))
        y = self.conv2(F.relu(self.bn2(self.conv1(o))))
        return y + (x if self.equal else self.shortcut(o))


class WideResNet(nn.Module):
    def __init__(self, depth=28, widen=10, classes=10):
        super().__init__()
        n = (depth - 4) // 6
        widths = [16, 16 * widen, 32 * widen, 64 * widen]
        self.conv1 = nn.Conv2d(3, widths[0], 3, 1, 1, bias=False)
        stages = []
        for i in range(3):
            blocks = [Block(widths[i] if j == 0 else widths[i + 1], widths[i + 1], (1 if i == 0 else 2) if j == 0 else 1) for j in range(n)]
            stages.append(nn.Sequential(*blocks))
        self.block1, self.block2, self.block3 = stages
        self.bn1 = nn.BatchNorm2d(widths[3])
        self.fc = nn.Linear(widths[3], classes)
        self.n = widths[3]

    def forward(self, x):
        out = self.block3(self.block2(self.block1(self.conv1(x))))
        out = F.avg_pool2d(F.relu(self.bn1(out)), 8)
        return self.fc(out.view(-1, self.n))


def main():
    out, threads, batch, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.manual_seed(0)
    torch.set_num_threads(threads)
    model = WideResNet().eval()
    x = torch.rand(batch, 3, 32, 32)
    y = torch.randint(0, 10, (batch,))
    torch.onnx.export(model, x[:1], out, input_names=["input"], output_names=["logits"], opset_version=17,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    for p in model.parameters():
        p.requires_grad_(False)

    def step(delta):
        d = delta.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(F.cross_entropy(model((x + d).clamp(0, 1)), y), d)
        return ((delta + g.sign() / 255).clamp(-4 / 255, 4 / 255) + x).clamp(0, 1) - x

    delta = step(torch.zeros_like(x))
    runs = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        delta = step(delta)
        runs.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"torch": torch.__version__, "threads": threads, "msPerStep": statistics.median(runs), "runsMs": runs}))


if __name__ == "__main__":
    main()
