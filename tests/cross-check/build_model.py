"""Build the cross-check classifier with PyTorch and export it in the product's format.

    python3 build_model.py OUT_FOLDER DATASET_FOLDER SAMPLES

Trains a small CNN (two 3×3 convolutions with ReLU and 2×2 max-pooling, a 10-way dense layer)
on the natural training images of a product dataset folder (train/x.npy, train/y.npy) with a
fixed seed, writes it to OUT_FOLDER/model as a product model folder, and the first SAMPLES test
images and labels to OUT_FOLDER/images.npy and labels.npy (float32 NHWC in [0,1], int32).
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyref.model import FlattenNhwc, SameConv2d, save_layers_model  # noqa: E402

EPOCHS = 2
BATCH = 64
TRAIN = 6000


def network(channels, classes):
    return nn.Sequential(
        SameConv2d(channels, 8, (3, 3), (1, 1), 'same', True), nn.ReLU(), nn.MaxPool2d(2, 2),
        SameConv2d(8, 16, (3, 3), (1, 1), 'same', True), nn.ReLU(), nn.MaxPool2d(2, 2),
        FlattenNhwc(), nn.Linear(7 * 7 * 16, classes))


def images(folder, split):
    x = np.load(os.path.join(folder, split, 'x.npy'))
    x = x.astype(np.float32) / 255.0 if x.dtype == np.uint8 else x.astype(np.float32)
    return x, np.load(os.path.join(folder, split, 'y.npy')).astype(np.int64)


def main(out, data, samples):
    torch.manual_seed(0)
    torch.set_num_threads(1)
    manifest = json.load(open(os.path.join(data, 'manifest.json')))
    x, y = images(data, 'train')
    x, y = torch.from_numpy(x[:TRAIN]).permute(0, 3, 1, 2), torch.from_numpy(y[:TRAIN])
    model = network(x.shape[1], manifest['numClasses'])
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for _ in range(EPOCHS):
        order = torch.randperm(x.shape[0])
        for i in range(0, x.shape[0], BATCH):
            idx = order[i:i + BATCH]
            opt.zero_grad()
            F.cross_entropy(model(x[idx]), y[idx]).backward()
            opt.step()
    model.eval()
    save_layers_model(model, os.path.join(out, 'model'), list(manifest['imageShape']),
                      'cross-check-cnn', manifest['classNames'])
    tx, ty = images(data, 'test')
    np.save(os.path.join(out, 'images.npy'), tx[:samples])
    np.save(os.path.join(out, 'labels.npy'), ty[:samples].astype(np.int32))
    with torch.no_grad():
        acc = (model(torch.from_numpy(tx[:samples]).permute(0, 3, 1, 2)).argmax(1).numpy()
               == ty[:samples]).mean()
    print(f'clean accuracy on {samples} test images: {100 * acc:.1f} %', file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
