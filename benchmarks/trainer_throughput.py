"""Trainer overhead: the trainer's DCGAN step (no reward) against a bare PyTorch loop with the
same models, batch and data (the pytorch/examples DCGAN loop), in one process and one run.

    python benchmarks/trainer_throughput.py [--steps 300] [--device cpu|cuda] [--width 64]

Prints steps/s of each and their ratio (target: trainer >= 0.95x of the bare loop).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
import torch.nn.functional as F

from rlgan_bench.builtins.backbones.dcgan import DCGAN
from rlgan_bench.core.backbone import ModelShape
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.runtime import resolve_device
from rlgan_bench.shared.digits import load_digits
from rlgan_bench.training.trainer import Trainer


def bare_loop(steps: int, batch: int, shape: ModelShape, device: torch.device) -> float:
    """pytorch/examples/dcgan/main.py's loop: one D step on real + fake, one G step."""
    torch.manual_seed(0)
    backbone = DCGAN(shape)
    net_g, net_d = backbone.build_generator().to(device), backbone.build_critic().to(device)
    opt_g, opt_d = backbone.optimizers(net_g, net_d)
    data = load_digits("train", image_size=shape.image_size).as_float().to(device)
    use_amp = device.type == "cuda"
    amp = torch.bfloat16 if use_amp and torch.cuda.is_bf16_supported() else torch.float16

    def step() -> None:
        real = data[torch.randint(len(data), (batch,), device=device)]
        noise = torch.randn(batch, shape.latent_dim, device=device)
        with torch.autocast(device.type, dtype=amp, enabled=use_amp):
            fake = net_g(noise)
            out_real, out_fake = net_d(real), net_d(fake.detach())
            err_d = F.binary_cross_entropy_with_logits(out_real, torch.ones_like(out_real))
            err_d = err_d + F.binary_cross_entropy_with_logits(out_fake, torch.zeros_like(out_fake))
        opt_d.zero_grad()
        err_d.backward()
        opt_d.step()
        with torch.autocast(device.type, dtype=amp, enabled=use_amp):
            out = net_d(fake)
            err_g = F.binary_cross_entropy_with_logits(out, torch.ones_like(out))
        opt_g.zero_grad()
        err_g.backward()
        opt_g.step()

    for _ in range(10):  # warm-up (cudnn autotuning, allocator)
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    tic = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps / (time.perf_counter() - tic)


def trainer_run(steps: int, batch: int, shape: ModelShape, device: str) -> float:
    config = TrainConfig(
        backbone="dcgan",
        steps=steps,
        batch_size=batch,
        width=shape.width,
        latent_dim=shape.latent_dim,
        device=device,
        sample_every=10**9,
        checkpoint_every=10**9,
    )
    with tempfile.TemporaryDirectory() as folder:
        Trainer(config, f"{folder}/warm", silent=True).run()  # same warm-up as the bare loop
        summary = Trainer(config, f"{folder}/run", silent=True).run()
    return summary["steps_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=64)
    parser.add_argument("--device", default="auto")
    args = parser.parse_args()
    device = resolve_device(args.device)
    shape = ModelShape(32, 1, 64, args.width)
    bare = bare_loop(args.steps, args.batch_size, shape, device)
    ours = trainer_run(args.steps, args.batch_size, shape, str(device))
    name = torch.cuda.get_device_name() if device.type == "cuda" else "cpu"
    print(f"device {name}, DCGAN width {args.width}, batch {args.batch_size}, {args.steps} steps")
    print(f"bare pytorch/examples loop: {bare:8.2f} steps/s")
    print(f"rlgan-bench trainer:        {ours:8.2f} steps/s")
    print(f"ratio trainer / bare:       {ours / bare:8.3f}  (target >= 0.95)")


if __name__ == "__main__":
    main()
