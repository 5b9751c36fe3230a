"""The conformance of a method, in outcome, through the real trainer on tiny networks: at
strength 0 (n = 1 for a best-of-n-like method) it leaves the base as the continued training
without it leaves it (a method that selects: as the base samples); at its default strength
it trains with finite losses and logs finite values; and a run resumed from a checkpoint ends
where the uninterrupted run does, which needs its state_dict to hold what it keeps."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from rlgan_bench.core import checkpoint
from rlgan_bench.core.atomic import read_jsonl
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.method import Method
from rlgan_bench.evaluation.evaluate import load_run
from rlgan_bench.hookspecs import hookimpl
from rlgan_bench.host import PluginHost
from rlgan_bench.testing import inputs
from rlgan_bench.testing.findings import Findings, raised
from rlgan_bench.training import selection
from rlgan_bench.training.context import CHECKPOINT_FILE, RunContext
from rlgan_bench.training.trainer import Trainer

#: the reward a method is checked with when it applies: cheap, exact, differentiable and
#: defined on real images; otherwise the first installed reward it applies to
PREFERRED_REWARD = "brightness"
#: largest pixel difference (images in [-1, 1]) between two generators that count as the same
TOLERANCE = 1e-5
#: latents the generators are compared on
SAMPLES = 16


def method_findings(
    method: type[Method],
    options: Mapping[str, Any] | None = None,
    reward: str | None = None,
    host: PluginHost | None = None,
    device: str = "cpu",
) -> Findings:
    """Check ``method`` with ``options`` (default: its own) and the reward named ``reward``
    (default: :data:`PREFERRED_REWARD`, or the first installed reward it applies to)."""
    found = Findings("method", method.name or method.__name__)
    try:
        with (
            inputs.providing("methods", method, host) as provider_host,
            tempfile.TemporaryDirectory() as scratch,
        ):
            check = _MethodCheck(method, dict(options or {}), provider_host, device, Path(scratch))
            check(reward, found)
    except Exception as exc:
        found.fail("registration", raised(exc))
    return found


class _MethodCheck:
    def __init__(
        self,
        method: type[Method],
        options: dict[str, Any],
        host: PluginHost,
        device: str,
        scratch: Path,
    ) -> None:
        self.method, self.options, self.host = method, options, host
        self.device, self.scratch = device, scratch
        #: the strength at which the method must not act: 0, or n = 1 (one draw is the base's)
        self.zero = 1 if method.strength_name == "n" else 0
        #: the strength at which it acts: its option's default, else 1
        self.strength = method.options.get(method.strength_name, 1.0)

    def __call__(self, reward: str | None, found: Findings) -> None:
        self.reward = reward or self._applicable_reward()
        if self.reward is None:
            found.fail("set-up", "applies to none of the installed rewards")
            return
        if not found.check("set-up", self._set_up):
            return
        name = self.method.strength_name
        found.check(f"{name} {self.zero} leaves the base unchanged", self._no_op)
        trained = found.check(f"finite at {name} {self.strength}", self._acts)
        if trained:
            found.check("state_dict round trip", self._round_trip)

    # -- the runs --------------------------------------------------------------------------
    def _applicable_reward(self) -> str | None:
        rewards = self.host.components("rewards")
        names = [PREFERRED_REWARD] + sorted(set(rewards) - {PREFERRED_REWARD})
        return next(
            (n for n in names if n in rewards and not self.method.not_applicable(rewards[n].obj)),
            None,
        )

    def _set_up(self) -> str | None:
        """The method made with the options, then the base every run starts from."""
        self._make(self.options)
        Trainer(
            inputs.tiny_config(self.device),
            self.scratch / "base",
            host=self.host,
            quiet=True,
            silent=True,
        ).run()
        return None

    def _make(self, options: dict[str, Any]) -> Method:
        component = self.host.get("rewards", self.reward or "")
        reward = component.obj()
        reward.setup(torch.device(self.device), inputs.SIZE, inputs.CHANNELS)
        provider = f"{component.provider.name} {component.provider.version}"
        return self.method(reward, provider, **options)

    def _config(self, strength: float, **fields: Any) -> TrainConfig:
        settings = dict(self.method.strength_settings(strength))
        mode_params = {**self.options, **settings.pop("mode_params", {})}
        return inputs.tiny_config(
            self.device,
            init_from=str(self.scratch / "base"),
            reward=self.reward,
            mode=self.method.name,
            mode_params=mode_params,
            **settings,
            **fields,
        )

    def _run(self, config: TrainConfig, name: str) -> Path:
        out = self.scratch / name
        if self.method.trains:
            Trainer(config, out, host=self.host, quiet=True, silent=True).run()
        else:
            selection.assemble(config, out, self.host)
        return out

    # -- the properties --------------------------------------------------------------------
    def _no_op(self) -> str | None:
        ran = self._run(self._config(self.zero), "zero")
        if self.method.trains:
            control = self.scratch / "control"
            Trainer(
                inputs.tiny_config(self.device, init_from=str(self.scratch / "base")),
                control,
                host=self.host,
                quiet=True,
                silent=True,
            ).run()
            reference, what = control, "training on without the method"
        else:
            reference, what = self.scratch / "base", "the base generator"
        difference = _difference(self._samples(ran), self._samples(reference))
        if difference > TOLERANCE:
            return (
                f"its generator's samples differ from {what} by up to {difference:.3g} "
                f"(tolerance {TOLERANCE:g}); at this strength the method must not act"
            )
        return None

    def _acts(self) -> str | None:
        if not self.method.trains:
            samples = self._samples(self._run(self._config(self.strength), "acting"))
            if not bool(torch.isfinite(samples).all()):
                return "its samples hold NaN or inf"
            return None
        # one step more than the others, with a checkpoint at each: the round trip resumes
        # a copy of the run from the checkpoint before its last step
        config = self._config(self.strength, steps=inputs.STEPS + 1, checkpoint_every=1)
        snapshot = _Snapshot(config.steps, self.scratch / "resumed")
        self.host.add_plugin(snapshot, name="conformance snapshot")
        try:
            self.acting = self._run(config, "acting")
        finally:
            self.host.remove_plugin(snapshot)
        self.config = config
        for row in read_jsonl(self.acting / "metrics.jsonl"):
            bad = sorted(
                key
                for key, value in row.items()
                if isinstance(value, float) and not torch.isfinite(torch.tensor(value))
            )
            if bad:
                return f"logged NaN or inf at step {row.get('step')}: {', '.join(bad)}"
        return None

    def _round_trip(self) -> str | None:
        if not self.method.trains:
            return self._state_round_trip()
        problem = self._state_round_trip(checkpoint.load(self.acting / CHECKPOINT_FILE)["mode"])
        if problem:
            return problem
        resumed = self.scratch / "resumed"
        Trainer(self.config, resumed, host=self.host, quiet=True, silent=True).run(resume=True)
        for generator in ("raw", "ema"):
            difference = _difference(
                self._samples(self.acting, generator), self._samples(resumed, generator)
            )
            if difference > TOLERANCE:
                return (
                    f"a run resumed from the checkpoint of step {inputs.STEPS} ends up to "
                    f"{difference:.3g} away from the uninterrupted run ({generator} "
                    f"generator): state_dict must hold all the method keeps across steps"
                )
        return None

    def _state_round_trip(self, state: dict[str, Any] | None = None) -> str | None:
        """``state`` (default: a new instance's) through torch.save and a weights-only load,
        as checkpoints are read, into a new instance: it must give the same state back."""
        if state is None:
            state = self._make(self.options).state_dict()
        path = self.scratch / "method_state.pt"
        torch.save(state, path)
        loaded = checkpoint.load(path)
        fresh = self._make(self.options)
        fresh.load_state_dict(loaded)
        different = _first_difference(state, fresh.state_dict())
        if different is not None:
            return f"load_state_dict then state_dict gives another {different}"
        return None

    def _samples(self, run_dir: Path, generator: str = "ema") -> Tensor:
        loaded = load_run(run_dir, self.host, torch.device(self.device), generator)
        z = loaded.backbone.sample_latent(SAMPLES, "cpu", torch.Generator().manual_seed(0))
        with torch.no_grad():
            return loaded.generator(z.to(self.device)).float().cpu()


class _Snapshot:
    """A plugin that copies the run's folder as the last step begins its side jobs: its
    checkpoint then holds the step before (checkpoints are written after the plugins)."""

    def __init__(self, last_step: int, copy_to: Path) -> None:
        self.last_step, self.copy_to = last_step, copy_to

    @hookimpl
    def rlgan_after_generator_step(
        self, run: RunContext, step: int, stats: dict[str, float] | None
    ) -> None:
        if step == self.last_step:
            shutil.copytree(run.out_dir, self.copy_to)


def _difference(a: Tensor, b: Tensor) -> float:
    return float((a - b).abs().max()) if a.shape == b.shape else float("inf")


def _first_difference(a: Any, b: Any, where: str = "state") -> str | None:
    """Where two states differ (``state['images']``), or None."""
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return f"{where} (keys {sorted(map(str, a))} -> {sorted(map(str, b))})"
        for key in a:
            found = _first_difference(a[key], b[key], f"{where}[{key!r}]")
            if found:
                return found
        return None
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return where
        for i, (x, y) in enumerate(zip(a, b)):
            found = _first_difference(x, y, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        same = a.shape == b.shape and torch.equal(a.cpu(), b.cpu())
        return None if same else where
    return None if a == b else where
