"""Trains the PyTorch classifier shipped as resources/onnx/pytorch-fashion-cnn.onnx.

A small ResNet-style CNN trained in plain PyTorch on the embedded on-manifold Fashion-MNIST
training split: the images g(w) the audits use, written by scripts/export-onmanifold-images.ts
(run first, by this script, through node). It is then exported the way a PyTorch user would:
eval mode, opset 17, a dynamic batch axis, normalisation inside the model. It is the product's
example of auditing a model the product did not train.

    /usr/bin/python3 scripts/pytorch/train_fashion_cnn.py

Deterministic on one thread (seed 0); about seven minutes on a laptop CPU.
"""
import json
import os
import subprocess
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(ROOT, "resources", "om-fashion-mnist")
OUT = os.path.join(ROOT, "resources", "onnx", "pytorch-fashion-cnn.onnx")


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + (x if self.down is None else self.down(x)))


class FashionCnn(nn.Module):
    """Normalises inside the model, as RobustBench models do, so it takes [0,1] pixels."""

    def __init__(self, mean, std, classes=10):
        super().__init__()
        self.register_buffer("mean", torch.tensor([mean]).view(1, 1, 1))
        self.register_buffer("std", torch.tensor([std]).view(1, 1, 1))
        self.stem = nn.Sequential(nn.Conv2d(1, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.layer1 = Block(32, 32, 1)
        self.layer2 = Block(32, 64, 2)
        self.layer3 = Block(64, 128, 2)
        self.fc = nn.Linear(128, classes)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def load_natural(split):
    x = np.load(os.path.join(DATA, split, "x.npy")).astype(np.float32) / 255.0
    y = np.load(os.path.join(DATA, split, "y.npy")).astype(np.int64)
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(y)


def load_on_manifold(folder, split):
    x = np.load(os.path.join(folder, f"{split}-gw.npy")).astype(np.float32)
    y = np.load(os.path.join(folder, f"{split}-y.npy")).astype(np.int64)
    return torch.from_numpy(x).permute(0, 3, 1, 2).contiguous(), torch.from_numpy(y)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return float((model(x).argmax(1) == y).float().mean())


def main(epochs=8, batch=128):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    gw = tempfile.mkdtemp(prefix="dmat-gw-")
    subprocess.run(
        ["node", "bin/run-ts.mjs", "scripts/export-onmanifold-images.ts", DATA, gw], cwd=ROOT, check=True
    )
    xtr, ytr = load_on_manifold(gw, "train")
    xte, yte = load_on_manifold(gw, "test")
    xnat, ynat = load_natural("test")
    model = FashionCnn(float(xtr.mean()), float(xtr.std()))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4, nesterov=True)
    steps = epochs * ((len(xtr) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    gen = torch.Generator().manual_seed(0)
    started = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(xtr), generator=gen)
        for i in range(0, len(xtr), batch):
            idx = order[i : i + batch]
            loss = F.cross_entropy(model(xtr[idx]), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        print(f"epoch {epoch + 1}/{epochs}: test accuracy {accuracy(model, xte, yte):.4f} ({time.time() - started:.0f} s)")
    model.eval()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    torch.onnx.export(
        model,
        xte[:1],
        OUT,
        input_names=["input"],
        output_names=["logits"],
        opset_version=17,
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
    )
    info = {
        "file": os.path.basename(OUT),
        "trainedOn": "resources/om-fashion-mnist train split, on-manifold images g(w) (10,000)",
        "epochs": epochs,
        "testAccuracyOnManifold": round(accuracy(model, xte, yte), 4),
        "testAccuracyNatural": round(accuracy(model, xnat, ynat), 4),
        "testImages": len(xte),
        "torch": torch.__version__,
        "seconds": round(time.time() - started),
    }
    with open(OUT.replace(".onnx", ".json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print(json.dumps(info))


if __name__ == "__main__":
    main()
