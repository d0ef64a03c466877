"""The engine's ONNX export of a classifier as a PyTorch module with the same weights, so that
PyTorch times exactly the network the engine times. Covers the operators the engine's exporter
writes for its sequential CNNs (Conv, BatchNormalization, Relu, MaxPool, GlobalAveragePool,
Transpose, Flatten, Reshape, Gemm, MatMul, Add, Identity).

PyTorch's two usual CPU set-ups are both available, so the benchmark can compare against the
faster one: as a user writes it (NCHW, batch norm as its own layer) and tuned (batch norm
folded into the convolution before it for inference, channels_last).
"""
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class OnnxModule(nn.Module):
    def __init__(self, path, fold_batch_norm=False):
        super().__init__()
        graph = onnx.load(path).graph
        self.input_name = graph.input[0].name
        self.output_name = graph.output[0].name
        self.params = nn.ParameterDict()
        self.consts = {}
        init = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}
        nodes = [(n.op_type, list(n.input), list(n.output), _attrs(n)) for n in graph.node]
        if fold_batch_norm:
            nodes = self._fold(nodes, init)
        self.bn_state = {}
        for name, t in init.items():
            key = name.replace(".", "_")
            if t.dtype in (torch.float32, torch.float64):
                self.params[key] = nn.Parameter(t.float())
            else:
                self.consts[name] = t
        # Batch-norm running statistics are buffers, as in nn.BatchNorm2d.
        for op, ins, _, _ in nodes:
            if op == "BatchNormalization":
                for n in ins[3:5]:
                    key = n.replace(".", "_")
                    if key in self.params:
                        p = self.params.pop(key)
                        self.register_buffer(key, p.detach().clone())
        self.nodes = nodes

    @staticmethod
    def _fold(nodes, init):
        out, i = [], 0
        while i < len(nodes):
            op, ins, outs, at = nodes[i]
            nxt = nodes[i + 1] if i + 1 < len(nodes) else None
            if op == "Conv" and nxt and nxt[0] == "BatchNormalization" and nxt[1][0] == outs[0]:
                g, b, m, v = (init[n] for n in nxt[1][1:5])
                scale = g / torch.sqrt(v + nxt[3].get("epsilon", 1e-5))
                w = init[ins[1]] * scale.reshape(-1, 1, 1, 1)
                bias = (init[ins[2]] if len(ins) > 2 else torch.zeros_like(m)) * scale + b - m * scale
                wn, bn = ins[1] + "_folded", ins[1] + "_folded_bias"
                init[wn], init[bn] = w, bias
                out.append(("Conv", [ins[0], wn, bn], nxt[2], at))
                i += 2
            else:
                out.append(nodes[i])
                i += 1
        used = {n for _, ins, _, _ in out for n in ins}
        for k in list(init):
            if k not in used:
                del init[k]
        return out

    def _get(self, env, name):
        if name in env:
            return env[name]
        key = name.replace(".", "_")
        if key in self.params:
            return self.params[key]
        if hasattr(self, key):
            return getattr(self, key)
        return self.consts[name]

    def forward(self, x):
        env = {self.input_name: x}
        for op, ins, outs, at in self.nodes:
            a = [self._get(env, n) for n in ins if n]
            if op == "Conv":
                pads = at.get("pads", [0, 0, 0, 0])
                if pads[0] != pads[2] or pads[1] != pads[3]:
                    a[0] = F.pad(a[0], (pads[1], pads[3], pads[0], pads[2]))
                    pads = [0, 0]
                y = F.conv2d(a[0], a[1], a[2] if len(a) > 2 else None, tuple(at.get("strides", [1, 1])),
                             (pads[0], pads[1]), tuple(at.get("dilations", [1, 1])), at.get("group", 1))
            elif op == "BatchNormalization":
                y = F.batch_norm(a[0], a[3], a[4], a[1], a[2], self.training, 1 - at.get("momentum", 0.9),
                                 at.get("epsilon", 1e-5))
            elif op == "Relu":
                y = F.relu(a[0])
            elif op == "MaxPool":
                pads = at.get("pads", [0, 0, 0, 0])
                y = F.max_pool2d(a[0], tuple(at["kernel_shape"]), tuple(at.get("strides", at["kernel_shape"])),
                                 (pads[0], pads[1]), ceil_mode=bool(at.get("ceil_mode", 0)))
            elif op == "GlobalAveragePool":
                y = a[0].mean(dim=(2, 3), keepdim=True)
            elif op == "Transpose":
                y = a[0].permute(*at["perm"])
            elif op == "Flatten":
                y = torch.flatten(a[0], at.get("axis", 1))
            elif op == "Reshape":
                y = a[0].reshape([int(s) for s in a[1].tolist()])
            elif op == "Gemm":
                w = a[1].t() if at.get("transB", 0) else a[1]
                y = a[0] @ w
                if len(a) > 2:
                    y = y + a[2]
            elif op == "MatMul":
                y = a[0] @ a[1]
            elif op == "Add":
                y = a[0] + a[1]
            elif op == "Identity":
                y = a[0]
            else:
                raise SystemExit(f"onnx_torch: operator {op} is not covered")
            env[outs[0]] = y
        return env[self.output_name]
