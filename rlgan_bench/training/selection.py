"""The run of a method that does not train (``best-of-n``): a run folder like any other, so
that evaluation, the reward-hacking gauge, the report and ``load_generator`` read it as they
read a trained run, holding the base's weights as its step-0 checkpoint and the method in its
config. :func:`~rlgan_bench.evaluation.evaluate.load_run` wraps the generator with the
method's selection (:meth:`~rlgan_bench.core.method.RewardMode.wrap_generator`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from rlgan_bench.core import checkpoint
from rlgan_bench.core.atomic import atomic_path, write_json
from rlgan_bench.core.backbone import ModelShape
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.grids import save_grid
from rlgan_bench.core.records import Compute
from rlgan_bench.core.runtime import environment
from rlgan_bench.evaluation.evaluate import load_run
from rlgan_bench.host import PluginHost
from rlgan_bench.training import init_from
from rlgan_bench.training.callbacks.grids import FINAL_GRID
from rlgan_bench.training.context import CHECKPOINT_FILE
from rlgan_bench.training.trainer import GRID_SAMPLES, _provider_record


def assemble(config: TrainConfig, out_dir: str | Path, host: PluginHost) -> dict[str, Any]:
    """Write the run of ``config`` (a method with ``trains = False`` and an ``init_from``
    base) into ``out_dir``: config.json, checkpoint.pt (the base's generator, EMA generator
    and critic at step 0), samples.png through the selection, summary.json. Returns the
    summary."""
    config = config.validate()
    out = Path(out_dir)
    if config.init_from is None or not config.reward:
        raise ConfigError(
            f"method {config.mode!r} selects samples of a base: give a reward and init_from"
        )
    method_component = host.get("methods", config.mode or "")
    method = method_component.obj
    if method.trains:
        raise ConfigError(f"method {config.mode!r} trains; use rlgan-bench train")
    dataset = host.get("datasets", config.dataset).obj
    shape = ModelShape(
        config.image_size, config.channels or dataset.channels, config.latent_dim, config.width
    )
    backbone_component = host.get("backbones", config.backbone)
    backbone = backbone_component.obj(shape)
    backbone_params = backbone.configure(config.backbone_params)
    label = f"backbone {config.backbone!r} as configured"
    base = init_from.load_base(config.init_from, backbone, label)
    state = checkpoint.load_weights(base.checkpoint)
    # the base as its own evaluation samples it: its EMA generator when it has one
    ema = state.get("ema_generator", base.weights["generator"])
    out.mkdir(parents=True, exist_ok=True)
    reward_component = host.get("rewards", config.reward)
    record = {
        "config": config.to_dict(),
        "config_digest": config.digest(),
        "resolved": {
            "backbone_params": backbone_params,
            "init_from": base.record(),
            "mode": config.mode,
            "mode_params": dict(config.mode_params),
            "reward_params": reward_component.obj(**config.reward_params).config,
            "trains": False,
        },
        "shape": shape.__dict__,
        "plugins": {
            "backbone": _provider_record(backbone_component.provider),
            "reward": _provider_record(reward_component.provider),
            "method": _provider_record(method_component.provider),
        },
        "versions": environment(),
        "device": "cpu",
    }
    weights = {
        "step": 0,
        "config_digest": config.digest(),
        "generator": base.weights["generator"],
        "critic": base.weights["critic"],
        "ema_generator": ema,
    }
    with atomic_path(out / CHECKPOINT_FILE) as tmp:
        torch.save(weights, tmp)
    write_json(out / "config.json", record)
    run = load_run(out, host, torch.device("cpu"))
    latents = run.backbone.sample_latent(
        GRID_SAMPLES, torch.device("cpu"), torch.Generator().manual_seed(config.seed + 3)
    )
    save_grid(run.generator, latents, out / FINAL_GRID)
    # nothing trained: its reward and generator calls are all its samples' (eval.json sampling)
    nothing = Compute(reward_calls=0, generator_calls=0, seconds=0.0)
    summary = {
        "steps": 0,
        "trains": False,
        "wall_time_s": 0.0,
        "device": "cpu",
        "compute": nothing.to_json(),
    }
    write_json(out / "summary.json", summary)
    return summary
