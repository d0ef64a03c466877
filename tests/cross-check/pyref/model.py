"""TensorFlow.js layers models (the product's model folders) to and from PyTorch.

Only the layer chain the product's small CNNs use: Conv2D, BatchNormalization, ReLU,
MaxPooling2D, Flatten and Dense, each fed by the layer before it. Tensors are NCHW in PyTorch
and NHWC in the product; the chain works in NHWC order where it matters (Flatten), so one set
of weights gives the same logits in both.
"""
import json
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SameConv2d(nn.Module):
    """TensorFlow's convolution: 'same' padding puts the extra row/column at the bottom/right."""

    def __init__(self, cin, cout, kernel, stride, padding, bias):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, bias=bias)
        self.kernel, self.stride, self.padding = kernel, stride, padding

    def forward(self, x):
        if self.padding == 'same':
            pads = []
            for size, k, s in zip(reversed(x.shape[2:]), reversed(self.kernel), reversed(self.stride)):
                out = -(-size // s)
                total = max((out - 1) * s + k - size, 0)
                pads += [total // 2, total - total // 2]
            x = F.pad(x, pads)
        return self.conv(x)


class FlattenNhwc(nn.Module):
    """Flatten in channels-last order, as tf.layers.flatten does on NHWC activations."""

    def forward(self, x):
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)


def _activation(name):
    if name in (None, 'linear'):
        return None
    if name == 'relu':
        return nn.ReLU()
    raise ValueError(f'unsupported activation "{name}"')


def _read_weights(folder, manifest):
    arrays = {}
    for group in manifest:
        blob = b''.join(open(os.path.join(folder, p), 'rb').read() for p in group['paths'])
        offset = 0
        for w in group['weights']:
            if w['dtype'] != 'float32':
                raise ValueError(f'{w["name"]}: dtype {w["dtype"]} is not supported')
            n = int(np.prod(w['shape'])) if w['shape'] else 1
            arrays[w['name']] = np.frombuffer(blob, '<f4', n, offset).reshape(w['shape'])
            offset += 4 * n
    return arrays


def load_layers_model(folder):
    """A product model folder (model.json + weights.bin) as a PyTorch module in eval mode."""
    spec = json.load(open(os.path.join(folder, 'model.json')))
    layers = spec['modelTopology']['config']['layers']
    weights = _read_weights(folder, spec['weightsManifest'])
    modules = []
    channels = None
    previous = None
    for layer in layers:
        kind, cfg, name = layer['class_name'], layer['config'], layer['config']['name']
        inbound = layer.get('inbound_nodes') or []
        if previous is not None and inbound and inbound[0][0][0] != previous:
            raise ValueError(f'{name}: only a chain of layers is supported')
        previous = name
        if kind == 'InputLayer':
            channels = cfg['batch_input_shape'][-1]
            continue
        if kind == 'Conv2D':
            kernel = weights[f'{name}/kernel']  # [kh, kw, cin, cout]
            conv = SameConv2d(kernel.shape[2], kernel.shape[3], tuple(cfg['kernel_size']),
                              tuple(cfg['strides']), cfg['padding'], cfg['use_bias'])
            conv.conv.weight.data = torch.from_numpy(kernel.transpose(3, 2, 0, 1).copy())
            if cfg['use_bias']:
                conv.conv.bias.data = torch.from_numpy(weights[f'{name}/bias'].copy())
            modules.append(conv)
            channels = kernel.shape[3]
            act = _activation(cfg.get('activation'))
            if act:
                modules.append(act)
        elif kind == 'BatchNormalization':
            bn = nn.BatchNorm2d(channels, eps=cfg['epsilon'])
            bn.weight.data = torch.from_numpy(weights[f'{name}/gamma'].copy())
            bn.bias.data = torch.from_numpy(weights[f'{name}/beta'].copy())
            bn.running_mean.data = torch.from_numpy(weights[f'{name}/moving_mean'].copy())
            bn.running_var.data = torch.from_numpy(weights[f'{name}/moving_variance'].copy())
            modules.append(bn)
        elif kind == 'ReLU' or (kind == 'Activation' and cfg['activation'] == 'relu'):
            modules.append(nn.ReLU())
        elif kind == 'MaxPooling2D':
            if cfg['padding'] != 'valid':
                raise ValueError(f'{name}: only valid pooling is supported')
            modules.append(nn.MaxPool2d(tuple(cfg['pool_size']), tuple(cfg['strides'])))
        elif kind == 'Flatten':
            modules.append(FlattenNhwc())
        elif kind == 'Dense':
            kernel = weights[f'{name}/kernel']  # [in, out]
            dense = nn.Linear(kernel.shape[0], kernel.shape[1], bias=cfg['use_bias'])
            dense.weight.data = torch.from_numpy(kernel.T.copy())
            if cfg['use_bias']:
                dense.bias.data = torch.from_numpy(weights[f'{name}/bias'].copy())
            modules.append(dense)
            act = _activation(cfg.get('activation'))
            if act:
                modules.append(act)
        else:
            raise ValueError(f'{name}: layer class {kind} is not supported')
    model = nn.Sequential(*modules)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def _layer(kind, name, config, inbound):
    return {
        'name': name,
        'class_name': kind,
        'config': {**config, 'name': name, 'trainable': True},
        'inbound_nodes': [[[inbound, 0, 0, {}]]] if inbound else [],
    }


def save_layers_model(model, folder, input_shape, name, class_names):
    """Write a chain of SameConv2d / ReLU / MaxPool2d / FlattenNhwc / Linear modules as a
    product model folder: model.json (TensorFlow.js layers format), weights.bin and the
    dmat-model.json sidecar."""
    os.makedirs(folder, exist_ok=True)
    h, w, c = input_shape
    layers = [_layer('InputLayer', 'input1', {'batch_input_shape': [None, h, w, c],
                                              'dtype': 'float32', 'sparse': False}, None)]
    manifest, blobs = [], []

    def add_weight(wname, array):
        array = np.ascontiguousarray(array, dtype='<f4')
        manifest.append({'name': wname, 'shape': list(array.shape), 'dtype': 'float32'})
        blobs.append(array.tobytes())

    previous = 'input1'
    for i, m in enumerate(model):
        lname = f'layer{i + 1}'
        if isinstance(m, SameConv2d):
            conv = m.conv
            layers.append(_layer('Conv2D', lname, {
                'filters': conv.out_channels, 'kernel_size': list(m.kernel),
                'strides': list(m.stride), 'padding': m.padding, 'data_format': 'channels_last',
                'dilation_rate': [1, 1], 'activation': 'linear',
                'use_bias': conv.bias is not None}, previous))
            add_weight(f'{lname}/kernel', conv.weight.detach().numpy().transpose(2, 3, 1, 0))
            if conv.bias is not None:
                add_weight(f'{lname}/bias', conv.bias.detach().numpy())
        elif isinstance(m, nn.ReLU):
            layers.append(_layer('ReLU', lname, {'max_value': None}, previous))
        elif isinstance(m, nn.MaxPool2d):
            k = m.kernel_size if isinstance(m.kernel_size, tuple) else (m.kernel_size,) * 2
            s = m.stride if isinstance(m.stride, tuple) else (m.stride,) * 2
            layers.append(_layer('MaxPooling2D', lname, {
                'pool_size': list(k), 'strides': list(s), 'padding': 'valid',
                'data_format': 'channels_last'}, previous))
        elif isinstance(m, FlattenNhwc):
            layers.append(_layer('Flatten', lname, {}, previous))
        elif isinstance(m, nn.Linear):
            layers.append(_layer('Dense', lname, {
                'units': m.out_features, 'activation': 'linear',
                'use_bias': m.bias is not None}, previous))
            add_weight(f'{lname}/kernel', m.weight.detach().numpy().T)
            if m.bias is not None:
                add_weight(f'{lname}/bias', m.bias.detach().numpy())
        else:
            raise ValueError(f'module {type(m).__name__} cannot be exported')
        previous = lname
    topology = {'class_name': 'Model', 'config': {
        'name': name, 'layers': layers,
        'input_layers': [['input1', 0, 0]], 'output_layers': [[previous, 0, 0]]}}
    spec = {'format': 'layers-model', 'generatedBy': 'tests/cross-check (PyTorch)',
            'convertedBy': None, 'modelTopology': topology,
            'weightsManifest': [{'paths': ['./weights.bin'], 'weights': manifest}]}
    with open(os.path.join(folder, 'weights.bin'), 'wb') as f:
        f.write(b''.join(blobs))
    with open(os.path.join(folder, 'model.json'), 'w') as f:
        json.dump(spec, f)
    sidecar = {'format': 'dmat-model', 'version': 1, 'kind': 'classifier', 'name': name,
               'modelFormat': 'layers-model', 'inputShape': [h, w, c],
               'numClasses': len(class_names), 'classNames': class_names,
               'preprocessing': {'inputRange': [0, 1], 'channelOrder': 'rgb'},
               'architecture': 'cross-check CNN (PyTorch)'}
    with open(os.path.join(folder, 'dmat-model.json'), 'w') as f:
        json.dump(sidecar, f, indent=2)
