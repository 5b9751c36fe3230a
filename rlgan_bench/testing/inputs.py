"""The small real inputs of the checks: the embedded digits, images like an untrained
generator's, tiny training runs, and a plugin host on which the component under test is the
one its name finds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import PluginError
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.shared.digits import load_digits

#: the benchmark's default images: 32x32 grey digits
SIZE, CHANNELS = 32, 1
#: images per batch a reward or an audit is checked on
BATCH = 8
#: tiny networks: each run of a check takes a fraction of a second on a CPU
LATENT_DIM, WIDTH = 8, 8
#: the steps of each tiny training run
STEPS = 2


def real_images(n: int, device: torch.device, size: int = SIZE, channels: int = CHANNELS) -> Tensor:
    """The first ``n`` held-out embedded digits, float in [-1, 1]."""
    return load_digits("heldout", None, size, channels).as_float()[:n].to(device)


def noise_images(
    n: int, device: torch.device, size: int = SIZE, channels: int = CHANNELS
) -> Tensor:
    """Uniform noise in [-1, 1], what an untrained generator's samples look like to a reward
    (seeded: every check sees the same images)."""
    rng = torch.Generator().manual_seed(0)
    return (torch.rand(n, channels, size, size, generator=rng) * 2 - 1).to(device)


def mixed_images(device: torch.device, with_real: bool) -> Tensor:
    """:data:`BATCH` images: half real digits and half noise, or all noise for a component
    that cannot score real images."""
    if not with_real:
        return noise_images(BATCH, device)
    half = BATCH // 2
    return torch.cat([real_images(half, device), noise_images(BATCH - half, device)])


def tiny_config(device: str, **fields: Any) -> TrainConfig:
    """A training run of :data:`STEPS` steps of tiny networks on the embedded digits, every
    step logged and checked, a checkpoint at the end."""
    values: dict[str, Any] = dict(
        steps=STEPS,
        batch_size=BATCH,
        latent_dim=LATENT_DIM,
        width=WIDTH,
        log_every=1,
        sample_every=STEPS,
        checkpoint_every=STEPS,
        device=device,
        seed=0,
    )
    values.update(fields)
    return TrainConfig(**values)


class _Registers:
    """A plugin that registers one class as a component of ``kind``."""

    def __init__(self, kind: str, cls: Any) -> None:
        self.kind, self.cls = kind, cls

    def _register(self, kind: str, register: Callable[[Any], None]) -> None:
        if kind == self.kind:
            register(self.cls)

    @hookimpl
    def register_backbones(self, register: Callable[[Any], None]) -> None:
        self._register("backbones", register)

    @hookimpl
    def register_rewards(self, register: Callable[[Any], None]) -> None:
        self._register("rewards", register)

    @hookimpl
    def register_methods(self, register: Callable[[Any], None]) -> None:
        self._register("methods", register)

    @hookimpl
    def register_audits(self, register: Callable[[Any], None]) -> None:
        self._register("audits", register)


@contextmanager
def providing(kind: str, cls: Any, host: PluginHost | None = None) -> Iterator[PluginHost]:
    """A host on which ``cls`` is the ``kind`` its name finds: ``host`` (default: the installed
    plugins) when it is already, else one with ``cls`` added as an in-process plugin, and with
    the installed plugin disabled that has another class of that name (an older copy)."""
    host = host or PluginHost().load()
    found = host.find(kind, cls.name)
    if found is not None and found.obj is cls:
        yield host
        return
    if found is not None:
        host = PluginHost(host.disabled | {found.provider.name}).load()
    plugin = _Registers(kind, cls)
    host.add_plugin(plugin, name=f"{cls.__module__} (checked in-process)")
    try:
        registered = host.find(kind, cls.name)
        if registered is None or registered.obj is not cls:  # a built-in's name, or no name
            provider = host.providers.get(id(plugin))
            why = provider.error if provider is not None and provider.error else "not found"
            raise PluginError(f"cannot register it: {why}")
        yield host
    finally:
        host.remove_plugin(plugin)


def provider_label(host: PluginHost, kind: str, name: str) -> str:
    """``rlgan-symmetry 0.1.0``: what a method is told provides its reward."""
    provider = host.get(kind, name).provider
    return f"{provider.name} {provider.version}"
