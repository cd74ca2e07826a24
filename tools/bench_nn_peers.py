"""Peers for `tools/bench nn`, on one thread each: onnxruntime running Dojo's exported model
(inference) and the same architecture written in JAX (training, jit, optax SGD with momentum),
loaded with the same weights from the Dojo checkpoint. Prints one JSON object."""
import json
import os
import sys
import time

import numpy as np

SECONDS = float(os.environ.get("BENCH_SECONDS", "1"))


def timed(fn, items):
    fn()
    n, t0 = 0, time.perf_counter()
    while True:
        fn()
        n += items
        dt = time.perf_counter() - t0
        if dt >= SECONDS:
            return n / dt


def onnxruntime_inference(path, arch):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    s = ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(2)
    out = {}
    for b in (1, 16, 64, 256):
        feeds = {"observations": rng.integers(0, 2, (b, arch["inputPlanes"], arch["height"], arch["width"])).astype(np.float32),
                 "legal_mask": np.ones((b, arch["actionCount"]), np.float32)}
        out[str(b)] = timed(lambda: s.run(["policy", "value"], feeds), b)
    return out


def jax_training(model_path, arch, batch=256):
    import jax
    import jax.numpy as jnp
    import optax
    from safetensors.numpy import load_file

    w = {k: jnp.asarray(v) for k, v in load_file(model_path).items() if "running" not in k}
    eps = arch["batchNormEpsilon"]

    def conv(x, k):
        pad = k.shape[-1] // 2
        return jax.lax.conv_general_dilated(x, k, (1, 1), [(pad, pad), (pad, pad)], dimension_numbers=("NCHW", "OIHW", "NCHW"))

    def bn(p, name, x):
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        var = x.var(axis=(0, 2, 3), keepdims=True)
        g = p[name + ".weight"].reshape(1, -1, 1, 1)
        b = p[name + ".bias"].reshape(1, -1, 1, 1)
        return g * (x - mean) / jnp.sqrt(var + eps) + b

    def forward(p, x):
        h = jax.nn.relu(bn(p, "stem.bn", conv(x, p["stem.conv.weight"])))
        for i in range(arch["blocks"]):
            y = jax.nn.relu(bn(p, f"blocks.{i}.bn1", conv(h, p[f"blocks.{i}.conv1.weight"])))
            y = bn(p, f"blocks.{i}.bn2", conv(y, p[f"blocks.{i}.conv2.weight"]))
            h = jax.nn.relu(y + h)
        pol = jax.nn.relu(bn(p, "policy.bn", conv(h, p["policy.conv.weight"]))).reshape(x.shape[0], -1)
        logits = pol @ p["policy.fc.weight"].T + p["policy.fc.bias"]
        v = jax.nn.relu(bn(p, "value.bn", conv(h, p["value.conv.weight"]))).mean(axis=(2, 3))
        v = jax.nn.relu(v @ p["value.fc1.weight"].T + p["value.fc1.bias"])
        v = jnp.tanh(v @ p["value.fc2.weight"].T + p["value.fc2.bias"])[:, 0]
        return logits, v

    def loss(p, x, target_pi, target_z):
        logits, v = forward(p, x)
        return (-(target_pi * jax.nn.log_softmax(logits)).sum(axis=1) + (v - target_z) ** 2).mean()

    opt = optax.sgd(0.01, momentum=0.9)
    state = opt.init(w)

    @jax.jit
    def step(p, s, x, pi, z):
        g = jax.grad(loss)(p, x, pi, z)
        updates, s = opt.update(g, s, p)
        return optax.apply_updates(p, updates), s

    rng = np.random.default_rng(4)
    x = jnp.asarray(rng.integers(0, 2, (batch, arch["inputPlanes"], arch["height"], arch["width"])).astype(np.float32))
    pi = jnp.full((batch, arch["actionCount"]), 1.0 / arch["actionCount"], jnp.float32)
    z = jnp.asarray(rng.integers(-1, 2, batch).astype(np.float32))
    params = [w, state]

    def one():
        params[0], params[1] = step(params[0], params[1], x, pi, z)
        jax.block_until_ready(params[0])

    return timed(one, batch)


result = {}
for label in sys.argv[2:]:
    ckpt = os.path.join(sys.argv[1], label)
    arch = json.load(open(os.path.join(ckpt, "meta.json")))["architecture"]
    result[label] = {"onnxruntime_inference_positions_per_s": onnxruntime_inference(os.path.join(ckpt, "model.onnx"), arch),
                     "jax_training_samples_per_s": jax_training(os.path.join(ckpt, "model.safetensors"), arch)}
print(json.dumps(result))
