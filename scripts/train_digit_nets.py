"""Train the shipped digit classifiers and record them in rlgan_bench/assets/manifest.json.

    python scripts/train_digit_nets.py                # all three, a few minutes on 2 CPU cores
    python scripts/train_digit_nets.py --only eval    # just one of them (reward, eval, plain)

``plain`` is the naive reward model of the reward-hacking gauge: the ``reward-net`` split,
shifts and rotations only (no noise augmentation, no adversarial training), 30 epochs.

Seeded and CPU-only: a rerun on the same machine and torch version writes the same bytes.
The heldout split is only scored, never used to pick anything.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
import torch.nn.functional as F
from torch import Tensor

from rlgan_bench.shared.digits import load_digits
from rlgan_bench.shared.nets import save_state
from rlgan_bench.shared.nets.digit_nets import (
    EVAL_NET,
    PLAIN_NET,
    REWARD_NET,
    DigitNet,
    DigitNetConfig,
    augment,
)

SEED = 0
BATCH = 64
LR = 2e-3
# L-inf PGD in [-1, 1] units (0.25 is 32/255 of the [0, 255] range)
EPS = 0.25
TRAIN_PGD_STEPS = 4
EVAL_PGD_STEPS = 10


def pgd(
    net: DigitNet, images: Tensor, labels: Tensor, eps: float, steps: int, gen: torch.Generator
) -> Tensor:
    """L-inf PGD from a random start (Madry et al. 2018), staying inside [-1, 1]."""
    step_size = 2.5 * eps / steps
    delta = (torch.rand(images.shape, generator=gen) * 2 - 1) * eps
    for _ in range(steps):
        delta.requires_grad_(True)
        loss = F.cross_entropy(net((images + delta).clamp(-1, 1)), labels)
        (grad,) = torch.autograd.grad(loss, delta)
        delta = (delta.detach() + step_size * grad.sign()).clamp(-eps, eps)
    return (images + delta).clamp(-1, 1).detach()


@torch.no_grad()
def accuracy(net: DigitNet, images: Tensor, labels: Tensor) -> float:
    return (net(images).argmax(1) == labels).float().mean().item()


def robust_accuracy(net: DigitNet, images: Tensor, labels: Tensor, eps: float) -> float:
    attacked = pgd(net, images, labels, eps, EVAL_PGD_STEPS, torch.Generator().manual_seed(1))
    return accuracy(net, attacked, labels)


def train(
    config: DigitNetConfig, split: str, epochs: int, adversarial: bool, noise: float = 0.15
) -> DigitNet:
    torch.manual_seed(SEED)
    gen = torch.Generator().manual_seed(SEED)
    data = load_digits(split, image_size=32, channels=1)
    images, labels = data.as_float(), data.labels
    assert labels is not None
    net = DigitNet(config)
    opt = torch.optim.AdamW(net.parameters(), lr=LR, weight_decay=1e-4)
    steps_per_epoch = math.ceil(len(images) / BATCH)
    total = epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=LR, total_steps=total)
    for epoch in range(epochs):
        order = torch.randperm(len(images), generator=gen)
        for start in range(0, len(images), BATCH):
            index = order[start : start + BATCH]
            x, y = augment(images[index], gen, noise=noise), labels[index]
            # after a clean first epoch, half of every batch is attacked (Madry et al.)
            if adversarial and epoch > 0:
                half = len(x) // 2
                net.eval()  # attack with fixed BatchNorm statistics
                x = torch.cat([x[:half], pgd(net, x[half:], y[half:], EPS, TRAIN_PGD_STEPS, gen)])
                net.train()
            loss = F.cross_entropy(net(x), y, label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        print(f"  epoch {epoch + 1}/{epochs} loss {loss.item():.3f}", flush=True)
    return net.eval()


def report(net: DigitNet, robust: bool) -> dict[str, float]:
    heldout = load_digits("heldout", image_size=32, channels=1)
    big = load_digits("heldout", image_size=64, channels=3)
    assert heldout.labels is not None
    metrics = {
        "heldout_accuracy": accuracy(net, heldout.as_float(), heldout.labels),
        "heldout_accuracy_64px_rgb": accuracy(net, big.as_float(), heldout.labels),
    }
    if robust:
        metrics[f"heldout_pgd{EVAL_PGD_STEPS}_eps{EPS}_accuracy"] = robust_accuracy(
            net, heldout.as_float(), heldout.labels, EPS
        )
        metrics[f"heldout_pgd{EVAL_PGD_STEPS}_eps{EPS / 2}_accuracy"] = robust_accuracy(
            net, heldout.as_float(), heldout.labels, EPS / 2
        )
    return {key: round(value, 4) for key, value in metrics.items()}


def half_precision(net: DigitNet) -> dict[str, Tensor]:
    # fp16 halves the file; the loaders cast back to fp32 (the accuracy is re-measured below)
    return {k: v.half() if v.is_floating_point() else v for k, v in net.state_dict().items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["reward", "eval", "plain"])
    args = parser.parse_args()
    # one thread: the sums are then reproducible, and small convolutions gain nothing from more
    torch.set_num_threads(1)
    # key, file, architecture, split, epochs, adversarial, noise augmentation, robust report
    jobs = [
        ("reward", "digit-reward-classifier", REWARD_NET, "reward-net", 30, True, 0.15, True),
        ("eval", "digit-eval-net", EVAL_NET, "eval-net", 30, False, 0.15, False),
        # the naive reward model: its PGD accuracies are recorded to show it is not robust
        ("plain", "digit-plain-classifier", PLAIN_NET, "reward-net", 30, False, 0.0, True),
    ]
    for key, name, config, split, epochs, adversarial, noise, robust in jobs:
        if args.only not in (None, key):
            continue
        started = time.time()
        print(
            f"{name}: training on {split!r} ({epochs} epochs, adversarial={adversarial}, "
            f"noise={noise})"
        )
        net = train(config, split, epochs, adversarial, noise)
        shipped = DigitNet(config)
        shipped.load_state_dict(half_precision(net))
        metrics: dict[str, object] = {"train_split": split, "epochs": epochs, "seed": SEED}
        if key == "plain":
            metrics["noise_augmentation"] = noise
        metrics.update(report(shipped.eval(), robust=robust))
        entry = save_state(name, half_precision(net), metrics)
        print(f"{name}: {metrics} ({time.time() - started:.0f} s), sha256 {entry.sha256}")


if __name__ == "__main__":
    main()
