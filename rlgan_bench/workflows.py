"""The Python API: train a run, score it, run a matrix, load a generator, in a few lines and
through the same code as the command line: ``rlgan-bench train`` and ``run`` parse their flags
and print, the functions here do the work (``eval`` scores through :func:`evaluate` too)::

    import rlgan_bench as rb

    summary = rb.train(out_dir="runs/seven", reward="classifier", reward_params={"target": 7},
                       method="backprop", strength=1.0, steps=300, device="cpu")
    scores = rb.evaluate("runs/seven", samples=1000, metrics=["fid", "kid"])
    generator = rb.load_generator("runs/seven")
    images = generator.sample(16, seed=0)   # (16, C, H, W) in [-1, 1]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.core import deprecations
from rlgan_bench.core.backbone import Backbone
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.runtime import resolve_device
from rlgan_bench.evaluation.evaluate import evaluate, load_run
from rlgan_bench.host import PluginHost, get_host
from rlgan_bench.matrix.cell import Matrix
from rlgan_bench.matrix.executors import Report, Started
from rlgan_bench.matrix.session import MatrixOutcome, load_matrix, run_matrix_cells
from rlgan_bench.report import write_reports
from rlgan_bench.training.method_strength import at_strength
from rlgan_bench.training.trainer import Trainer

__all__ = [
    "MatrixOutcome",
    "TrainResult",
    "evaluate",
    "load_generator",
    "plan_matrix",
    "run_matrix",
    "train",
    "train_config",
    "write_report",
]


@dataclass(frozen=True)
class TrainResult:
    """A finished training run: where it is and its summary.json."""

    out_dir: Path
    steps: int
    resumed_from: int
    wall_time_s: float
    steps_per_s: float
    device: str


def train(
    config: TrainConfig | None = None,
    *,
    out_dir: str | Path = "runs/latest",
    host: PluginHost | None = None,
    resume: bool = False,
    quiet: bool = True,
    method: str | None = None,
    method_params: dict[str, Any] | None = None,
    strength: float | None = None,
    **settings: Any,
) -> TrainResult:
    """Train one run into ``out_dir``: a :class:`TrainConfig`, or its fields as keywords
    (``train(out_dir="r", reward="jpeg", method="reinforce", strength=0.01, steps=200)``).

    With a reward, the run is one method at one strength (docs/protocol.md): ``method`` (the
    reward's ``default_method`` when None), ``method_params`` (its options) and ``strength``
    (λ for backprop, reinforce, ppo, critic; β for reward-weighted; by default ``lambda``'s
    field ``reward_weight``, else the reward's λ), from a base with ``init_from`` or from
    scratch; both are written into the run's config.json. ``mode`` and ``mode_params``, their
    0.1 names, still work (deprecated)."""
    host = host or get_host()
    if config is not None and (settings or method is not None or method_params is not None):
        raise ConfigError("give a TrainConfig or its fields as keywords, not both")
    if config is None:
        for old, new, given in (
            ("mode", "method", method),
            ("mode_params", "method_params", method_params),
        ):
            if old in settings:
                deprecations.warn(
                    deprecations.renamed(f"train({old}=...)", f"train({new}=...)"), stacklevel=2
                )
                if given is not None:
                    raise ConfigError(f"{old} is the old name of {new}: give {new} only")
        stored = {"mode": method, "mode_params": method_params}
        settings = {**{k: v for k, v in stored.items() if v is not None}, **settings}
        known = {f.name for f in fields(TrainConfig)}
        unknown = sorted(set(settings) - known)
        if unknown:
            raise ConfigError(f"unknown training settings: {', '.join(unknown)}")
        config = TrainConfig(**settings)
    return train_config(
        config, out_dir, host, strength=strength, resume=resume, quiet=quiet, silent=quiet
    )


def train_config(
    config: TrainConfig,
    out_dir: str | Path,
    host: PluginHost,
    *,
    strength: float | None = None,
    resume: bool = False,
    quiet: bool = False,
    silent: bool = False,
    names: Mapping[str, str] | None = None,
) -> TrainResult:
    """Train ``config`` into ``out_dir``: what :func:`train` and ``rlgan-bench train`` both do.

    The method and its strength are written into the config first (so that config.json
    states them; :func:`~rlgan_bench.training.method_strength.at_strength`). ``quiet``: log
    lines instead of a progress bar; ``silent``: no terminal output at all; ``names``: how an
    error names a setting (the command line's flags; by default its field)."""
    config = at_strength(config.validate(names=names), host, strength, names=names)
    trainer = Trainer(config, out_dir, host=host, quiet=quiet, silent=silent)
    summary = trainer.run(resume=resume)
    kept = {f.name: summary[f.name] for f in fields(TrainResult) if f.name != "out_dir"}
    return TrainResult(Path(out_dir), **kept)


def plan_matrix(
    config: str | Path | dict[str, Any] | None = None,
    *,
    host: PluginHost | None = None,
    steps: int | None = None,
    seeds: list[int] | None = None,
) -> Matrix:
    """The cells of a matrix (a TOML path, a dict of its tables, or None for the shipped
    default), validated, without running any: every problem is raised at once, each with its
    TOML key. ``steps`` and ``seeds`` replace the matrix's (``rlgan-bench run --steps
    --seeds``); what ``run --dry-run`` lists."""
    return load_matrix(config, host or get_host(), steps, seeds)


def run_matrix(
    config: str | Path | dict[str, Any] | Matrix | None = None,
    *,
    out: str | Path = "results/default",
    host: PluginHost | None = None,
    steps: int | None = None,
    seeds: list[int] | None = None,
    retry_failed: bool = False,
    executor: str = "local",
    workers: int = 1,
    device: str = "auto",
    report: bool = True,
    ray_address: str | None = None,
    on_start: Started | None = None,
    on_done: Report | None = None,
    on_skipped: Callable[[int], None] | None = None,
) -> MatrixOutcome:
    """Train and score every cell of a matrix (a TOML path, a dict of its tables, None for
    the shipped default, or a :func:`plan_matrix`) into ``out``, resuming what is already
    recorded there; writes the leaderboards (report.md/.html/.json) unless ``report=False``.

    ``on_start(cell)``, ``on_done(cell, record)`` and ``on_skipped(count)`` (the cells already
    recorded) are called in this process as the matrix runs, e.g. to show its progress."""
    host = host or get_host()
    if isinstance(config, Matrix):
        if steps is not None or seeds is not None:
            raise ConfigError("give steps and seeds to plan_matrix, not with its matrix")
        matrix = config
    else:
        matrix = load_matrix(config, host, steps, seeds)
    outcome = run_matrix_cells(
        matrix,
        out,
        host,
        retry_failed=retry_failed,
        executor=executor,
        workers=workers,
        device=device,
        ray_address=ray_address,
        on_start=on_start,
        on_done=on_done,
        on_skipped=on_skipped,
        disabled=tuple(sorted(host.disabled)),
    )
    if report:
        write_report(outcome.out)
    return outcome


def write_report(results: str | Path) -> dict[str, Any]:
    """The leaderboards of a results directory, written beside its cells (report.md, .html,
    .json); the paths written, and the Markdown text under ``markdown_text``."""
    return write_reports(results)


class Generator(nn.Module):
    """A trained generator, in eval mode, with its latent sampler: ``generator(z)`` or
    ``generator.sample(n, seed)``; images are (N, C, H, W) in [-1, 1]."""

    def __init__(self, network: nn.Module, backbone: Backbone, device: torch.device) -> None:
        super().__init__()
        self.network = network.eval().requires_grad_(False)
        self.backbone = backbone
        self.device = device
        self.latent_dim = backbone.shape.latent_dim
        self.eval()

    def forward(self, z: Tensor) -> Tensor:
        return self.network(z.to(self.device))

    def sample_latent(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Latents drawn on the CPU (the same on every device for one seed), on the device."""
        return self.backbone.sample_latent(n, "cpu", generator).to(self.device)

    @torch.no_grad()
    def sample(self, n: int, seed: int = 0) -> Tensor:
        return self(self.sample_latent(n, torch.Generator().manual_seed(seed))).float()


def load_generator(
    run_dir: str | Path,
    *,
    device: str = "cpu",
    generator: str = "ema",
    host: PluginHost | None = None,
) -> Generator:
    """The generator of a finished run (its EMA weights unless ``generator="raw"``; best.pt for a
    run trained with ``keep_best``), ready to sample."""
    loaded = load_run(run_dir, host or get_host(), resolve_device(device), generator)
    return Generator(loaded.generator, loaded.backbone, resolve_device(device))
