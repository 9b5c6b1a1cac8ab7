"""PyTorch peer for bench/train.ts: trains the same models (same shapes, batch, Adam) on random data and
prints one JSON line per model: {"model", "samplesPerSec", "samplesPerCpuSec", "threads", "torch"}
(samplesPerCpuSec divides by the CPU time of all the process's threads: a measure of work that the load
from other processes on a shared machine does not inflate).

Usage: /usr/bin/python3 bench/train_torch.py --models convnet,mlp,convbn --batch 128 --seconds 3 --threads 2
"""
import argparse
import json
import os
import time

import torch
from torch import nn


def build(name: str) -> nn.Module:
    """The bench models, NCHW. Layer shapes match bench/train.ts (valid 3x3 convs, 2x2 max pools)."""
    if name == "convnet":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    if name == "convbn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, bias=False), nn.BatchNorm2d(32, eps=1e-3, momentum=0.01), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, bias=False), nn.BatchNorm2d(64, eps=1e-3, momentum=0.01), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 5 * 5, 10))
    raise SystemExit(f"unknown model {name!r} (models: convnet, mlp, convbn)")


def measure(name: str, batch: int, seconds: float) -> tuple:
    torch.manual_seed(0)
    model = build(name)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    for _ in range(3):
        step()
    steps = 0
    start = time.perf_counter()
    cpu_start = time.process_time()  # all threads of this process
    while True:
        step()
        steps += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and steps >= 3:
            return steps * batch / elapsed, steps * batch / max(time.process_time() - cpu_start, 1e-9)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--models", default="convnet,mlp,convbn")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seconds", type=float, default=3.0)
    # Explicit: this torch build's OpenMP picks 1 thread on these machines, although they have 2 cores.
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="torch intra-op threads (default: all cores)")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    for name in a.models.split(","):
        sps, per_cpu = measure(name, a.batch, a.seconds)
        print(json.dumps({"model": name, "samplesPerSec": sps, "samplesPerCpuSec": per_cpu, "threads": torch.get_num_threads(),
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
