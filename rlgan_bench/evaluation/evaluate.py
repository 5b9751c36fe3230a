"""Evaluate a run: load its generator (the EMA one when present), draw N samples from fixed
latents, score them against the dataset's held-out images and write ``eval.json`` atomically.

The Python API and ``rlgan-bench eval`` share one table of defaults,
:data:`rlgan_bench.core.defaults.EVAL_DEFAULTS`.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from torch import Tensor, nn

from rlgan_bench.core import checkpoint
from rlgan_bench.core.backbone import Backbone, ModelShape
from rlgan_bench.core.calls import CallCounter
from rlgan_bench.core.dataset import DatasetSpec, ImageData, to_uint8
from rlgan_bench.core.defaults import EVAL_DEFAULTS, resolve
from rlgan_bench.core.errors import ConfigError, MissingFileError, PluginError, RlganError
from rlgan_bench.core.metric import Entry, EvalContext, MetricSpec, unavailable
from rlgan_bench.core.records import ClassHistogram, Compute, EvalRecord, MetricEntry, write_eval
from rlgan_bench.core.runtime import environment, resolve_device
from rlgan_bench.evaluation import class_histogram
from rlgan_bench.host import PluginHost, get_host

EVAL_FILE = "eval.json"


@dataclass
class LoadedRun:
    """A run directory's generator, ready to sample."""

    run_dir: Path
    #: the run's config.json (config, shape, split, plugins, versions)
    record: dict[str, Any]
    backbone: Backbone
    generator: nn.Module
    #: "ema" or "raw"
    generator_kind: str
    step: int
    #: the file the weights came from: "checkpoint.pt", or "best.pt" for a run trained with
    #: keep_best (the state with the best audited score)
    checkpoint_file: str = "checkpoint.pt"
    #: counts the generator's calls (and a selecting method's reward calls) as it samples
    calls: CallCounter = field(default_factory=CallCounter)
    #: what the samples :func:`generate` returned last cost
    sampling: Compute | None = None

    @property
    def config(self) -> dict[str, Any]:
        return self.record["config"]

    @property
    def reward_config(self) -> dict[str, Any]:
        """The training config with the reward's parameters as the reward resolved them
        (its defaults included: ``--reward classifier`` alone still targets a class)."""
        resolved = (self.record.get("resolved") or {}).get("reward_params")
        return {**self.config, "reward_params": resolved or self.config.get("reward_params", {})}


def load_run(
    run_dir: str | Path, host: PluginHost, device: torch.device, generator: str = "ema"
) -> LoadedRun:
    """The run's generator through the backbone plugin named in its config.json, in eval mode
    (running BatchNorm statistics: each sample depends on its latent only, not its batch).
    A run trained with ``keep_best`` is loaded from its best.pt when it has one."""
    if generator not in ("ema", "raw"):
        raise ConfigError(f"generator must be 'ema' or 'raw', got {generator!r}")
    folder = Path(run_dir)
    if not folder.is_dir():
        raise ConfigError(f"{str(folder)!r} is not a run directory (rlgan-bench train --out DIR)")
    record = _read_config(folder / "config.json")
    ckpt = folder / "checkpoint.pt"
    best = folder / "best.pt"
    if record["config"].get("keep_best") and best.is_file():
        ckpt = best
    if not ckpt.is_file():
        raise RlganError(
            f"{folder} has no checkpoint.pt yet: train the run (it is written every "
            f"--checkpoint-every steps and at the end)"
        )
    try:
        state = checkpoint.load(ckpt, "cpu")
    except RlganError as exc:  # torch's reasons run over many lines; one is enough here
        reason = str(exc.__context__ or exc).strip().splitlines()[0]
        raise RlganError(
            f"cannot read checkpoint {str(ckpt)!r} ({reason[:160]}); train the run "
            f"again or evaluate another"
        ) from None
    key = "ema_generator" if generator == "ema" and "ema_generator" in state else "generator"
    if key not in state:
        raise RlganError(f"cannot read checkpoint {str(ckpt)!r}: it holds no generator weights")
    backbone_cls = host.get("backbones", record["config"]["backbone"]).obj
    backbone: Backbone = backbone_cls(ModelShape(**record["shape"]))
    backbone.configure(record["config"].get("backbone_params") or {})
    net = backbone.build_generator()
    try:
        net.load_state_dict(state[key])
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise RlganError(
            f"checkpoint {str(ckpt)!r} does not fit the {backbone.name} generator "
            f"of config.json ({first})"
        ) from None
    net.to(device).eval().requires_grad_(False)
    calls = CallCounter()
    calls.count_generator(net)  # best-of-n's N draws per sample included
    return LoadedRun(
        folder,
        record,
        backbone,
        _selecting(net, record, backbone, host, device, calls),
        "ema" if key == "ema_generator" else "raw",
        int(state.get("step", 0)),
        ckpt.name,
        calls,
    )


def _selecting(
    net: nn.Module,
    record: dict[str, Any],
    backbone: Backbone,
    host: PluginHost,
    device: Any,
    calls: CallCounter,
) -> nn.Module:
    """The generator of a run whose method does not train but selects samples (best-of-n):
    ``net`` wrapped by the method, which scores its candidates with the run's reward (each
    image it scores counted by ``calls``)."""
    config = record["config"]
    method = host.find("methods", config.get("mode")) if config.get("reward") else None
    if method is None or method.obj.trains:
        return net
    component = host.get("rewards", config["reward"])
    params = (record.get("resolved") or {}).get("reward_params") or config.get("reward_params")
    reward = component.obj(**(params or {}))
    shape = record["shape"]
    reward.setup(torch.device(device), shape["image_size"], shape["channels"])
    calls.count_reward(reward)
    provider = f"{component.provider.name} {component.provider.version}"
    mode = method.obj(reward, provider, **(config.get("mode_params") or {}))
    seed = int(config.get("seed", 0))
    wrapped = mode.wrap_generator(
        net, lambda n, rng: backbone.sample_latent(n, "cpu", rng), seed + 4
    )
    return wrapped.eval().requires_grad_(False)


def _read_config(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise RlganError(
            f"{path.parent} has no config.json: is it a run directory "
            f"(rlgan-bench train --out DIR)?"
        )
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        ModelShape(**record["shape"])  # the fields the generator is built from
        if not isinstance(record["config"]["backbone"], str):
            raise TypeError("config.backbone is not a name")
    except (ValueError, KeyError, TypeError) as exc:
        raise RlganError(f"cannot read {path} ({type(exc).__name__}: {exc})") from None
    return record


#: the samples generated last, with what drawing them cost, so that a cell's evaluation and its
#: reward-hacking gauge, and the gauges of every cell of one base, draw them once per process
#: (a best-of-16 evaluation is 16 generator and reward calls per sample)
_RECENT_SAMPLES: OrderedDict[tuple[Any, ...], tuple[Tensor, Compute]] = OrderedDict()
_RECENT_KEPT = 8


@torch.no_grad()
def generate(run: LoadedRun, n: int, batch_size: int, seed: int, device: torch.device) -> Tensor:
    """``n`` uint8 samples (N, C, H, W) on the CPU; the latents are drawn on the CPU from
    ``seed``, so that every device scores the same latents. The same run (the same checkpoint
    file, unchanged) asked for the same samples again gets them from memory. ``run.sampling``
    is then what drawing them cost: the generator's and the reward's calls (a selecting
    method's) and the seconds."""
    weights = run.run_dir / run.checkpoint_file
    stat = weights.stat() if weights.is_file() else None
    key = (
        str(weights.resolve()),
        (stat.st_mtime_ns, stat.st_size) if stat else None,
        run.generator_kind,
        n,
        batch_size,
        seed,
        str(device),
    )
    if stat is not None and key in _RECENT_SAMPLES:
        _RECENT_SAMPLES.move_to_end(key)
        samples, run.sampling = _RECENT_SAMPLES[key]
        return samples
    rng = torch.Generator().manual_seed(seed)
    chunks = []
    calls, tic = run.calls, time.perf_counter()
    reward_before, generator_before = calls.reward_calls, calls.generator_calls
    for start in range(0, n, batch_size):
        z = run.backbone.sample_latent(min(batch_size, n - start), "cpu", rng)
        chunks.append(to_uint8(run.generator(z.to(device)).float()).cpu())
    samples = torch.cat(chunks)
    run.sampling = Compute(
        reward_calls=calls.reward_calls - reward_before,
        generator_calls=calls.generator_calls - generator_before,
        seconds=round(time.perf_counter() - tic, 3),
        samples=n,
    )
    if stat is not None:
        _RECENT_SAMPLES[key] = samples, run.sampling
        while len(_RECENT_SAMPLES) > _RECENT_KEPT:
            _RECENT_SAMPLES.popitem(last=False)
    return samples


def parse_metrics(names: str | Iterable[str], host: PluginHost) -> tuple[str, ...]:
    """``"fid,is"`` -> ("fid", "is"), checked against the registered metrics."""
    items = names.split(",") if isinstance(names, str) else list(names)
    wanted = tuple(dict.fromkeys(item.strip() for item in items if item.strip()))
    available = host.components("metrics")
    unknown = [name for name in wanted if name not in available]
    if unknown or not wanted:
        raise ConfigError(
            f"unknown metric {', '.join(unknown) or '(none given)'}; available "
            f"metrics: {', '.join(available)}"
        )
    return wanted


def min_samples(names: Sequence[str], options: dict[str, Any], host: PluginHost) -> int:
    """The fewest samples that every metric of ``names`` can score with ``options``, as each
    metric declares it (:attr:`MetricSpec.min_samples`); at least 1."""
    specs: list[MetricSpec] = [host.get("metrics", name).obj for name in names]
    return max((spec.min_samples(options) for spec in specs if spec.min_samples), default=1)


def score(ctx: EvalContext, names: Sequence[str], host: PluginHost) -> dict[str, Entry]:
    """Run the metrics, one ``compute`` call per group. Missing weights make a metric
    unavailable (with the fix), never a zero and never the end of the evaluation."""
    groups: dict[str, list[str]] = {}
    for name in names:
        groups.setdefault(host.get("metrics", name).obj.group_key, []).append(name)
    results: dict[str, Entry] = {}
    for members in groups.values():
        component = host.get("metrics", members[0])
        spec: MetricSpec = component.obj
        try:
            entries = spec.compute(ctx, tuple(members))
        except MissingFileError as exc:
            entries = {name: unavailable(str(exc), getattr(exc, "fix", None)) for name in members}
        except Exception as exc:
            if component.provider.builtin:
                raise
            reason = f"metric plugin {component.provider.name} raised {type(exc).__name__}: {exc}"
            entries = {name: {"status": "failed", "reason": reason} for name in members}
        missing = [name for name in members if name not in entries]
        if missing:
            raise PluginError(
                f"metric plugin {component.provider.name} returned no result for "
                f"{', '.join(missing)}"
            )
        results.update({name: entries[name] for name in members})
    return results


def score_samples(
    generated: Tensor,
    real: ImageData,
    dataset: DatasetSpec,
    *,
    host: PluginHost | None = None,
    run_config: dict[str, Any] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Score uint8 samples against real images: the metrics and the class histogram.
    ``options`` are those of :data:`~rlgan_bench.core.defaults.EVAL_DEFAULTS`."""
    host = host or get_host()
    opts = resolve(**options)
    device = resolve_device(str(opts["device"]))
    names = parse_metrics(opts["metrics"], host)
    ctx = EvalContext(generated, real, dataset, device, opts, run_config or {})
    metrics = score(ctx, names, host)
    reward = host.find("rewards", ctx.run_config.get("reward"))  # None: no target class
    target = class_histogram.run_target(ctx.run_config, reward.obj if reward else None)
    histogram = class_histogram.class_report(ctx, target)
    result: dict[str, Any] = {"metrics": metrics, "class_histogram": histogram}
    if histogram is not None and "target_fraction" in histogram:
        result["target"], result["target_fraction"] = target, histogram["target_fraction"]
    return result


def evaluate(
    run_dir: str | Path,
    *,
    host: PluginHost | None = None,
    save_samples: str | Path | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Evaluate the run in ``run_dir`` and write ``run_dir/eval.json``; returns its content.
    Plugins' ``rlgan_after_evaluation`` hook then gets the :class:`LoadedRun`, its step and
    this content."""
    return evaluate_record(run_dir, host=host, save_samples=save_samples, **options).to_json()


def evaluate_record(
    run_dir: str | Path,
    *,
    host: PluginHost | None = None,
    save_samples: str | Path | None = None,
    **options: Any,
) -> EvalRecord:
    """:func:`evaluate`, returning eval.json's typed record."""
    host = host or get_host()
    opts = resolve(**options)
    names = parse_metrics(opts["metrics"], host)
    n = int(opts["samples"])
    minimum = min_samples(names, opts, host)
    if n < minimum:
        raise ConfigError(
            f"--samples {n}: at least {minimum} are needed "
            f"(the default is {EVAL_DEFAULTS['samples']:,})"
        )
    if int(opts["batch_size"]) < 1:
        raise ConfigError(f"--batch-size must be positive, got {opts['batch_size']}")
    if save_samples is not None and any(Path(save_samples).glob("*.png")):
        # old files would be scored along with the new ones by whoever reads the folder
        raise ConfigError(
            f"--save-samples {str(save_samples)!r} already holds PNG files; "
            f"give an empty or new folder"
        )
    device = resolve_device(opts["device"])
    tic = time.perf_counter()
    run = load_run(run_dir, host, device, opts["generator"])
    config = run.config
    dataset = host.get("datasets", config["dataset"]).obj
    shape = run.record["shape"]
    real = dataset.load(
        opts["split"], config.get("data_root"), shape["image_size"], shape["channels"]
    )
    generated = generate(run, n, int(opts["batch_size"]), int(opts["seed"]), device)
    scores = score_samples(
        generated,
        real,
        dataset,
        host=host,
        run_config=run.reward_config,
        **{**opts, "metrics": names, "device": str(device)},
    )
    source = str(run.run_dir / EVAL_FILE)
    histogram = scores["class_histogram"]
    record = EvalRecord(
        run_dir=str(run.run_dir),
        step=run.step,
        backbone=config["backbone"],
        backbone_params=(run.record.get("resolved") or {}).get("backbone_params"),
        generator=run.generator_kind,
        checkpoint=run.checkpoint_file,
        samples=n,
        samples_default=EVAL_DEFAULTS["samples"],
        seed=int(opts["seed"]),
        dataset=dataset.name,
        split=real.split,
        split_info=real.split_info,
        n_real=len(real),
        device=str(device),
        metrics={
            name: MetricEntry.from_json(entry, f"{source} (metric {name})")
            for name, entry in scores["metrics"].items()
        },
        class_histogram=None if histogram is None else ClassHistogram.from_json(histogram),
        target=scores.get("target"),
        target_fraction=scores.get("target_fraction"),
        options={k: (list(v) if isinstance(v, tuple) else v) for k, v in opts.items()},
        versions=environment(),
        wall_time_s=round(time.perf_counter() - tic, 3),
        keep_best=config.get("keep_best") or None,
        sampling=run.sampling,
    )
    if n < EVAL_DEFAULTS["samples"]:
        record.note = (
            f"{n:,} samples, fewer than the standard {EVAL_DEFAULTS['samples']:,}: "
            f"FID and KID are biased by N, compare only at equal N"
        )
    if save_samples is not None:
        record.samples_dir = str(save_pngs(generated, real.images, Path(save_samples), real.split))
    write_eval(run.run_dir / EVAL_FILE, record)
    host.hook.rlgan_after_evaluation(run=run, step=run.step, metrics=record.to_json())
    return record


def save_pngs(generated: Tensor, real: Tensor, folder: Path, split: str) -> Path:
    """The samples as ``folder/000000.png``... and the real images under ``folder/real-SPLIT``
    (torch-fidelity does not descend into it), so that any tool can recompute the scores."""
    _write_pngs(generated, folder)
    _write_pngs(real, folder / f"real-{split}")
    return folder


def _write_pngs(images: Tensor, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pixels = images.permute(0, 2, 3, 1).numpy()
    for index, picture in enumerate(pixels):
        # an export, not run state: no fsync per file (10,000 of them)
        Image.fromarray(picture[..., 0] if picture.shape[-1] == 1 else picture).save(
            folder / f"{index:06d}.png"
        )


__all__ = [
    "EVAL_FILE",
    "LoadedRun",
    "evaluate",
    "evaluate_record",
    "generate",
    "load_run",
    "min_samples",
    "parse_metrics",
    "save_pngs",
    "score",
    "score_samples",
]
