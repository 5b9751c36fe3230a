"""Turn pytorch/examples' DCGAN checkpoints into a base for ``rlgan-bench train --init-from``.

pytorch/examples' ``dcgan/main.py`` saves each epoch as two plain state dicts,
``netG_epoch_N.pth`` and ``netD_epoch_N.pth``; ``--init-from`` reads one file holding a
``generator`` and a ``critic`` state dict. This command reads the two (weights only: no pickled
code runs), checks them against the ``pytorch-dcgan`` backbone, and writes that one file::

    python -m rlgan_pytorch_dcgan.convert netG_epoch_24.pth netD_epoch_24.pth -o base.pt

It prints the ``rlgan-bench train`` flags of the checkpoint's shape (``--latent-dim`` is its
``--nz``, ``--width`` its ``--ngf``/``--ndf``, ``--channels`` its ``nc``). Key names are
kept; the only renaming undoes wrappers around the networks (``module.`` of ``nn.DataParallel``
or ``DistributedDataParallel``, ``_orig_mod.`` of ``torch.compile``), and checkpoints from
before PyTorch 0.4.1 get the BatchNorm ``num_batches_tracked`` counters they lack (0, as
``load_state_dict`` would set them).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

import torch
from rlgan_bench.api import ConfigError, ModelShape
from torch import Tensor, nn

from rlgan_pytorch_dcgan.backbone import IMAGE_SIZE, SOURCE, PytorchDCGAN

#: prefixes that wrappers add to every key: nn.DataParallel / DDP, torch.compile
WRAPPER_PREFIXES = ("module.", "_orig_mod.")
#: the last layer of each network: ConvTranspose2d(ngf, nc) in netG (main.12 is netD's
#: Sigmoid, which has no weight), Conv2d(ndf * 8, 1) in netD
GENERATOR_LAST = "main.12.weight"
CRITIC_LAST = "main.11.weight"


def read_state_dict(path: Path, role: str) -> dict[str, Tensor]:
    """A plain state dict from ``path`` (``torch.load(weights_only=True)``), wrapper prefixes
    removed and missing BatchNorm counters added; a ConfigError naming ``role`` otherwise."""
    if not path.is_file():
        raise ConfigError(f"{role} {str(path)!r} is not a file; give the path of main.py's .pth")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch's message runs over many lines
        first = (str(exc).strip().splitlines() or [""])[0]
        raise ConfigError(
            f"cannot read {role} {str(path)!r} as weights ({type(exc).__name__}: {first}); give "
            f"a file saved with torch.save(netX.state_dict(), ...)"
        ) from None
    if not isinstance(state, Mapping) or not all(isinstance(v, Tensor) for v in state.values()):
        keys = ", ".join(map(str, list(state)[:5])) if isinstance(state, Mapping) else ""
        raise ConfigError(
            f"{role} {str(path)!r} is not a plain state dict of tensors ("
            + (f"its keys: {keys}" if keys else f"a {type(state).__name__}")
            + "); give a file saved with torch.save(netX.state_dict(), ...)"
        )
    return with_batch_counters(unwrapped(dict(state)))


def unwrapped(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Keys without the prefixes that wrappers put before every name."""
    for prefix in WRAPPER_PREFIXES:
        if state and all(key.startswith(prefix) for key in state):
            state = {key[len(prefix) :]: value for key, value in state.items()}
    return state


def with_batch_counters(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Each BatchNorm's ``num_batches_tracked`` (added in PyTorch 0.4.1), 0 where missing."""
    state = dict(state)
    for key in [k for k in state if k.endswith(".running_mean")]:
        counter = key.removesuffix("running_mean") + "num_batches_tracked"
        state.setdefault(counter, torch.tensor(0, dtype=torch.long))
    return state


def shape_of(generator: Mapping[str, Tensor], critic: Mapping[str, Tensor]) -> ModelShape:
    """The ModelShape of a netG/netD pair, read from their first and last layers."""
    for role, state, last, kind, swapped in (
        ("NETG", generator, GENERATOR_LAST, "Generator", CRITIC_LAST),
        ("NETD", critic, CRITIC_LAST, "Discriminator", GENERATOR_LAST),
    ):
        if last not in state or "main.0.weight" not in state:
            hint = " (it looks like the other network: are the two swapped?)" * (swapped in state)
            raise ConfigError(
                f"{role} has no {last!r}, so it is not pytorch/examples' dcgan {kind}{hint}; "
                f"give netG_epoch_N.pth first and netD_epoch_N.pth second"
            )
    nz, ngf, nc = (
        generator["main.0.weight"].shape[0],
        generator[GENERATOR_LAST].shape[0],
        generator[GENERATOR_LAST].shape[1],
    )
    ndf, critic_nc = critic["main.0.weight"].shape[0], critic["main.0.weight"].shape[1]
    if ngf != ndf:
        raise ConfigError(
            f"netG has ngf={ngf} but netD has ndf={ndf}; rlgan-bench backbones have one width "
            f"for both networks, so only checkpoints trained with --ngf equal to --ndf import"
        )
    if nc != critic_nc:
        raise ConfigError(
            f"netG makes {nc}-channel images but netD reads {critic_nc} channels; give a netG "
            f"and a netD of the same run"
        )
    if nc not in (1, 3):
        raise ConfigError(f"netG makes {nc}-channel images; rlgan-bench supports 1 or 3")
    return ModelShape(IMAGE_SIZE, int(nc), latent_dim=int(nz), width=int(ngf))


def mismatch(model: nn.Module, state: Mapping[str, Tensor]) -> str | None:
    """The first tensor of ``state`` missing, extra or of another shape than ``model``'s."""
    expected = model.state_dict()
    for name, tensor in expected.items():
        if name not in state:
            return f"lacks {name!r} of shape {tuple(tensor.shape)}"
        if state[name].shape != tensor.shape:
            return (
                f"has {name!r} of shape {tuple(state[name].shape)}, where "
                f"{tuple(tensor.shape)} is needed"
            )
    extra = [name for name in state if name not in expected]
    return f"has {extra[0]!r}, which pytorch/examples' dcgan has not" if extra else None


def convert(netg: Path, netd: Path, out: Path, force: bool = False) -> ModelShape:
    """Write ``out`` for ``--init-from`` from main.py's two files; returns their shape."""
    if out.exists() and not force:
        raise ConfigError(f"{str(out)!r} exists; choose another -o, or pass --force to replace it")
    generator = read_state_dict(netg, "NETG")
    critic = read_state_dict(netd, "NETD")
    shape = shape_of(generator, critic)
    backbone = PytorchDCGAN(shape)
    with torch.random.fork_rng(devices=[]):  # built for their names and shapes only
        models = {"NETG": backbone.build_generator(), "NETD": backbone.build_critic()}
    for (role, model), state in zip(models.items(), (generator, critic), strict=True):
        problem = mismatch(model, state)
        if problem:
            raise ConfigError(
                f"{role} {problem} for --backbone pytorch-dcgan at 64x64 (nz {shape.latent_dim}, "
                f"ngf = ndf {shape.width}, nc {shape.channels}); only main.py's own networks "
                f"import"
            )
    base = {
        "generator": generator,
        "critic": critic,
        # not read by --init-from (which records the file's own sha256): for people
        "source": {
            "format": SOURCE,
            "generator": str(netg),
            "generator_sha256": _sha256(netg),
            "critic": str(netd),
            "critic_sha256": _sha256(netd),
        },
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    torch.save(base, partial)
    os.replace(partial, out)  # never a half-written base
    return shape


def train_flags(shape: ModelShape) -> str:
    """The ``rlgan-bench train`` flags that build networks of ``shape``."""
    return (
        f"--backbone {PytorchDCGAN.name} --image-size {shape.image_size} --channels "
        f"{shape.channels} --latent-dim {shape.latent_dim} --width {shape.width}"
    )


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, not usage + error
        self.exit(2, f"error: {message}; see python -m rlgan_pytorch_dcgan.convert --help\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(
        prog="python -m rlgan_pytorch_dcgan.convert",
        description="Combine pytorch/examples' dcgan netG and netD state dicts into one "
        "checkpoint for rlgan-bench train --backbone pytorch-dcgan --init-from.",
    )
    parser.add_argument("netg", metavar="NETG", type=Path, help="netG_epoch_N.pth")
    parser.add_argument("netd", metavar="NETD", type=Path, help="netD_epoch_N.pth")
    parser.add_argument("-o", "--out", required=True, type=Path, help="the checkpoint to write")
    parser.add_argument("--force", action="store_true", help="replace --out if it exists")
    args = parser.parse_args(argv)
    try:
        shape = convert(args.netg, args.netd, args.out, force=args.force)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"wrote {args.out}; fine-tune with: rlgan-bench train --init-from {args.out} "
        f"{train_flags(shape)}"
    )
    return 0


def _sha256(path: Path) -> str:
    sink = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sink.update(block)
    return sink.hexdigest()


if __name__ == "__main__":
    sys.exit(main())
