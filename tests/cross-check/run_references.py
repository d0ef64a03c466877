"""Run the PyTorch reference attacks on a product model folder.

    python3 run_references.py SPEC.json OUT.json

SPEC: {"model": folder, "images": NHWC float32 .npy in [0,1], "labels": .npy, "seed": int,
       "batch": int, "attacks": [{"key", "fn", "eps", "step"?, "steps"?, "options"?}]}
OUT:  {"clean": {"correct": [...]}, "logits": first rows of the clean logits,
       "<key>": {"correct": [...], "accuracy": float, "seconds": float}}; robust means right on
the clean image and on the attacked one. Budgets are in the product's units (see pyref).
"""
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pyref import seen, unseen  # noqa: E402
from pyref.model import load_layers_model  # noqa: E402

ATTACKS = {
    'fgsm': seen.fgsm, 'fgsm-rs': seen.fgsm_rs, 'pgd-linf': seen.pgd_linf, 'mia': seen.mia,
    'pgd-l2': seen.pgd_l2, 'apgd-ce': seen.apgd_ce, 'gabor': unseen.gabor, 'fog': unseen.fog,
    'snow': unseen.snow, 'elastic': unseen.elastic, 'jpeg-l1': unseen.jpeg_l1,
    'l1-fw': unseen.l1_fw,
}


def main(spec_file, out_file):
    spec = json.load(open(spec_file))
    torch.set_num_threads(int(spec.get('threads', 1)))
    model = load_layers_model(spec['model'])
    x = torch.from_numpy(np.load(spec['images']).astype(np.float32)).permute(0, 3, 1, 2).contiguous()
    y = torch.from_numpy(np.load(spec['labels']).astype(np.int64))
    batch = int(spec.get('batch', 100))
    with torch.no_grad():
        logits = model(x)
    clean = (logits.argmax(1) == y)
    out = {'clean': {'correct': clean.tolist()}, 'logits': logits[:8].tolist()}
    for a in spec['attacks']:
        fn = ATTACKS[a['fn']]
        gen = torch.Generator().manual_seed(int(spec.get('seed', 0)))
        t0 = time.time()
        correct = []
        for start in range(0, x.shape[0], batch):
            xb, yb = x[start:start + batch], y[start:start + batch]
            adv = fn(model, xb, yb, eps=a['eps'], step=a.get('step'), steps=a.get('steps', 1),
                     gen=gen, **a.get('options', {}))
            assert adv.min() >= 0 and adv.max() <= 1, f'{a["key"]}: image out of [0,1]'
            with torch.no_grad():
                correct += (model(adv).argmax(1) == yb).tolist()
        robust = [bool(c and k) for c, k in zip(clean.tolist(), correct)]
        out[a['key']] = {'correct': robust, 'accuracy': sum(robust) / len(robust),
                         'seconds': time.time() - t0}
        print(f'{a["key"]}: {100 * out[a["key"]]["accuracy"]:.1f} % '
              f'({time.time() - t0:.1f} s)', file=sys.stderr, flush=True)
    json.dump(out, open(out_file, 'w'))


if __name__ == '__main__':
    main(*sys.argv[1:3])
