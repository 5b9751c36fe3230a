"""The conformance of a backbone: the shapes of its networks and losses at 32 and 64 px with 1
and 3 channels (those it does not refuse), a few finite training steps of the real trainer on
the embedded digits, and its networks' state_dicts loading back from the run's checkpoint."""

from __future__ import annotations

import copy
import tempfile
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.core import checkpoint
from rlgan_bench.core.backbone import Backbone, ModelShape
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.testing import inputs
from rlgan_bench.testing.findings import Findings, raised
from rlgan_bench.training.context import CHECKPOINT_FILE, RunContext
from rlgan_bench.training.trainer import Trainer

#: (image_size, channels): every backbone supports all four, unless it refuses one with a
#: ConfigError when constructed (pytorch/examples' DCGAN makes 64 px only)
SHAPES = ((32, 1), (32, 3), (64, 1), (64, 3))
#: pixels in [-1, 1] may overshoot by float rounding
RANGE_SLACK = 1e-5


def backbone_findings(
    backbone: type[Backbone],
    params: Mapping[str, Any] | None = None,
    host: PluginHost | None = None,
    device: str = "cpu",
) -> Findings:
    """Check ``backbone`` with the hyperparameters ``params`` (default: its own)."""
    found = Findings("backbone", backbone.name or backbone.__name__)
    where = torch.device(device)
    supported = []
    for size, channels in SHAPES:
        at = f"{size} px, {channels} channel{'s' if channels > 1 else ''}"
        prop = f"shapes at {at}"
        shape = ModelShape(size, channels, inputs.LATENT_DIM, inputs.WIDTH)
        try:
            instance = backbone(shape)
            instance.configure(dict(params or {}))
        except ConfigError:  # how a backbone declares a shape it does not support
            found.notes.append(f"refuses {at}")
            continue
        except Exception as exc:
            found.fail(prop, raised(exc))
            continue
        if found.check(prop, partial(_shapes, instance, where)):
            supported.append((size, channels))
    if not supported:
        if not found.failures:
            found.fail("shapes", "refuses every shape (32 and 64 px, 1 and 3 channels)")
        return found
    size, channels = supported[0]
    fields = dict(image_size=size, channels=channels, backbone_params=dict(params or {}))
    try:
        with inputs.providing("backbones", backbone, host) as provider_host:
            trained = _train(backbone, provider_host, device, fields, found)
    except Exception as exc:
        found.fail("registration", raised(exc))
        return found
    if trained is not None:
        found.check("state_dict round trip", lambda: _round_trip(backbone, trained, fields, where))
    return found


def _shapes(backbone: Backbone, device: torch.device) -> str | None:
    shape = backbone.shape
    n = 4
    generator = backbone.build_generator().to(device)
    critic = backbone.build_critic().to(device)
    z = backbone.sample_latent(n, device, torch.Generator(device).manual_seed(0))
    again = backbone.sample_latent(n, device, torch.Generator(device).manual_seed(0))
    if not torch.equal(z, again):
        return "sample_latent draws other latents from the same seeded generator; draw from it"
    fake = generator(z)
    wanted = (n, shape.channels, shape.image_size, shape.image_size)
    if not isinstance(fake, Tensor) or tuple(fake.shape) != wanted:
        got = tuple(fake.shape) if isinstance(fake, Tensor) else type(fake).__name__
        return f"the generator made {got} from {n} latents, not images of shape {wanted}"
    if not bool(torch.isfinite(fake).all()):
        return "the generator's images hold NaN or inf"
    reach = float(fake.detach().abs().max())
    if reach > 1 + RANGE_SLACK:
        return f"the generator's images reach {reach:.3g}, outside [-1, 1] (end it with tanh)"
    judged = critic(fake.detach())
    if not isinstance(judged, Tensor) or tuple(judged.shape) != (n,):
        got = tuple(judged.shape) if isinstance(judged, Tensor) else type(judged).__name__
        return f"the critic returned {got} for {n} images, not one score each, shape ({n},)"
    real = inputs.real_images(n, device, shape.image_size, shape.channels)
    losses = {
        "critic_loss": backbone.critic_loss(critic, real, fake.detach()),
        "generator_loss": backbone.generator_loss(critic, fake),
    }
    for what, loss in losses.items():
        if not isinstance(loss, Tensor) or loss.numel() != 1:
            got = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
            return f"{what} returned {got}, not a scalar"
        if not bool(torch.isfinite(loss).all()):
            return f"{what} is NaN or inf on fresh networks"
    return None


class _Capture:
    """A plugin that keeps copies of a run's generator and critic as the run ends."""

    def __init__(self) -> None:
        self.models: dict[str, nn.Module] = {}

    @hookimpl
    def rlgan_run_end(self, run: RunContext, summary: dict[str, Any]) -> None:
        self.models = {
            "generator": copy.deepcopy(run.generator),
            "critic": copy.deepcopy(run.critic),
        }


class _Trained:
    def __init__(self, models: dict[str, nn.Module], state: dict[str, Any]) -> None:
        self.models, self.state = models, state


def _train(
    backbone: type[Backbone],
    host: PluginHost,
    device: str,
    fields: dict[str, Any],
    found: Findings,
) -> _Trained | None:
    """A few steps of the real trainer; the models as the run ended and its checkpoint."""
    capture = _Capture()
    host.add_plugin(capture, name="conformance capture")
    try:
        with tempfile.TemporaryDirectory() as scratch:
            config = inputs.tiny_config(device, backbone=backbone.name, **fields)
            run_dir = Path(scratch) / "run"
            ran = found.check(
                "a few finite training steps",
                lambda: _run(Trainer(config, run_dir, host=host, quiet=True, silent=True)),
            )
            if not ran:
                return None
            state = checkpoint.load(run_dir / CHECKPOINT_FILE, "cpu")
    finally:
        host.remove_plugin(capture)
    return _Trained(capture.models, state)


def _run(trainer: Trainer) -> str | None:
    trainer.run()
    return None


def _round_trip(
    backbone: type[Backbone], trained: _Trained, fields: dict[str, Any], device: torch.device
) -> str | None:
    """Fresh networks of the same shape and hyperparameters load the checkpoint's weights
    (read as evaluation reads them: weights only) and compute what the trained ones do."""
    shape = ModelShape(fields["image_size"], fields["channels"], inputs.LATENT_DIM, inputs.WIDTH)
    fresh = backbone(shape)
    fresh.configure(fields["backbone_params"])
    z = fresh.sample_latent(4, device, torch.Generator(device).manual_seed(1))
    real = inputs.real_images(4, device, shape.image_size, shape.channels)
    for name, build, given in (
        ("generator", fresh.build_generator, z),
        ("critic", fresh.build_critic, real),
    ):
        network = build().to(device)
        try:
            network.load_state_dict(trained.state[name])
        except Exception as exc:
            return f"the {name}'s state_dict does not load into a new one: {raised(exc)}"
        with torch.no_grad():
            before = trained.models[name].to(device).eval()(given)
            after = network.eval()(given)
        if not torch.allclose(before, after, atol=1e-6, rtol=1e-5):
            return (
                f"the {name} loaded from its state_dict computes other values (up to "
                f"{float((before - after).abs().max()):.3g} apart in eval mode)"
            )
    return None
