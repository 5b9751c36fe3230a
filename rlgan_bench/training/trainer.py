"""The reward-aware GAN trainer.

Per generator step: ``critic_steps`` critic updates on real and generated batches, then one
generator update on ``adversarial loss + lambda * reward term`` (the reward term comes from
the mode: ``-mean R(G(z))`` in backprop mode). The data lives on the training device as
uint8 and batches are drawn by index, so a step is a handful of kernels and no host sync;
losses are read back only every ``log_every`` steps.

The loop is the step itself; what happens around it (metrics.jsonl and the divergence check,
sample grids, checkpoints, training-time audits and best.pt) are built-in implementations of
the run hooks, in training/callbacks, registered on the host the trainer uses.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from rlgan_bench.core import checkpoint
from rlgan_bench.core.atomic import write_json
from rlgan_bench.core.backbone import Backbone, ModelShape
from rlgan_bench.core.calls import CallCounter
from rlgan_bench.core.config import TrainConfig
from rlgan_bench.core.dataset import ImageData
from rlgan_bench.core.errors import ConfigError
from rlgan_bench.core.grids import generate_in_eval_mode
from rlgan_bench.core.method import Method, MethodContext
from rlgan_bench.core.runtime import environment, resolve_device, seed_everything
from rlgan_bench.host import PluginHost, get_host
from rlgan_bench.training import init_from
from rlgan_bench.training.batches import RealBatches, checked_weights, effective_images
from rlgan_bench.training.callbacks import TRAINER_PLUGINS
from rlgan_bench.training.callbacks.metrics_log import TrainingDiverged
from rlgan_bench.training.context import CHECKPOINT_FILE, RunContext, RunInternals
from rlgan_bench.training.finite import FiniteChecks, described
from rlgan_bench.training.inner_steps import PreconditionedSteps
from rlgan_bench.training.meter import StepMeter
from rlgan_bench.training.method_strength import check_tilt
from rlgan_bench.training.precision import MixedPrecision
from rlgan_bench.training.progress import TrainProgress
from rlgan_bench.training.training_audit import AuditedRun, TrainingAudit

GRID_SAMPLES = 64


@dataclass(frozen=True)
class RewardSchedule:
    """When and how strongly the reward acts, resolved from the config and the reward's
    defaults (see TrainConfig and Reward.schedule); the tilt is the run's own (the strength of
    reward-weighted), never a reward's default."""

    start: int = 0
    warmup: int = 0
    anchor: float = 0.0
    tilt: float = 0.0

    @classmethod
    def resolve(cls, config: TrainConfig, defaults: dict[str, float]) -> RewardSchedule:
        def steps(key: str, value: int | None) -> int:
            return value if value is not None else int(defaults.get(key, 0) * config.steps)

        def number(key: str, value: float | None) -> float:
            return float(value if value is not None else defaults.get(key, 0.0))

        return cls(
            start=steps("reward_start", config.reward_start),
            warmup=steps("reward_warmup", config.reward_warmup),
            anchor=number("reward_anchor", config.reward_anchor),
            tilt=float(config.reward_tilt or 0.0),
        )


@dataclass
class _Updates:
    """What the loop steps besides the models the RunContext holds."""

    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    amp: MixedPrecision
    real: RealBatches
    noise_rng: torch.Generator
    #: the optimiser of the mode's extra updates, when it wants its own (inner_optimizer)
    opt_inner: torch.optim.Optimizer | None = None
    #: what the method is given of the run (runs with a reward)
    method_context: MethodContext | None = None


class Trainer:
    def __init__(
        self,
        config: TrainConfig,
        out_dir: str | Path,
        host: PluginHost | None = None,
        quiet: bool = False,
        silent: bool = False,
    ) -> None:
        self.config = config.validate()
        self.out_dir = Path(out_dir)
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise ConfigError(f"--out {str(self.out_dir)!r} is a file; give a directory path")
        self.host = host or get_host()
        for plugin in TRAINER_PLUGINS:  # once per host; see training/callbacks
            self.host.add_builtin(plugin)
        self.quiet = quiet
        self.silent = silent  # no terminal output at all (matrix cells have their own view)
        self.device = resolve_device(config.device)

        dataset = self.host.get("datasets", config.dataset).obj
        channels = config.channels or dataset.channels
        self.dataset_spec = dataset
        self.shape = ModelShape(config.image_size, channels, config.latent_dim, config.width)
        backbone_component = self.host.get("backbones", config.backbone)
        self.backbone: Backbone = backbone_component.obj(self.shape)
        backbone_params = self.backbone.configure(config.backbone_params)
        # the values given, typed: `--backbone-param lr=2e-4` and TOML `lr = 2e-4` are one run
        given = {key: backbone_params[key] for key in config.backbone_params}
        self.config = config = replace(config, backbone_params=given)
        # what the run's record states beyond its config: every setting as it was resolved
        self.resolved: dict[str, Any] = {"backbone_params": backbone_params}
        self.plugins_used = {"backbone": _provider_record(backbone_component.provider)}
        # which component a NaN or inf came from: every step on the CPU, logged ones on CUDA
        self.finite = FiniteChecks(
            described("backbone", backbone_component), None, self.device.type == "cpu"
        )

        self.base: init_from.Base | None = None
        if config.init_from is not None:
            label = (
                f"backbone {config.backbone!r} as configured (image_size {self.shape.image_size}, "
                f"channels {channels}, latent_dim {config.latent_dim}, width {config.width})"
            )
            self.base = init_from.load_base(config.init_from, self.backbone, label)
            self.resolved["init_from"] = self.base.record()

        self.mode: Method | None = None
        self.reward_weight = 0.0
        self.schedule = RewardSchedule()
        self.training_audit: TrainingAudit | None = None  # with a reward and audit_every > 0
        #: the reward and generator calls the run makes, counted where they happen
        self.compute = CallCounter()
        if config.reward:
            self._setup_reward(config)
            if config.audit_every:
                self.training_audit = TrainingAudit(self._audited_run())
                self.resolved["audit"] = {
                    "every": config.audit_every,
                    "samples": config.audit_samples,
                    "audit": self.training_audit.audit.name if self.training_audit.audit else None,
                    "not_applicable": self.training_audit.skipped,
                    "keep_best": config.keep_best,
                }

    # -- set-up -------------------------------------------------------------------------------
    def _setup_reward(self, config: TrainConfig) -> None:
        component = self.host.get("rewards", config.reward or "")
        reward_cls = component.obj
        reward = reward_cls(**config.reward_params)
        mode_name = config.mode or reward_cls.default_method
        method_component = self.host.get("methods", mode_name)
        mode_cls = method_component.obj
        self.finite = replace(self.finite, method=described("method", method_component))
        provider = f"{component.provider.name} {component.provider.version}"
        if not mode_cls.trains:
            raise ConfigError(
                f"method {mode_name!r} does not train: it selects samples of a base; use it in a "
                f"matrix with finetune_steps (docs/protocol.md), or --method backprop, "
                f"reinforce, ppo, critic or reward-weighted"
            )
        if mode_cls.needs_differentiable_reward and not reward_cls.differentiable:
            raise ConfigError(
                f"reward {reward_cls.name!r} (from {provider}) is not differentiable, so it cannot "
                f"be used with --method {mode_name}; use --method reinforce, ppo or critic"
            )
        check_tilt(mode_cls, config.reward_tilt)  # only the tilt's own method tilts
        reward.setup(self.device, self.shape.image_size, self.shape.channels)
        self.compute.count_reward(reward)  # every image any method scores with it counts
        self.mode = mode_cls(reward, provider, **config.mode_params)
        self.reward_weight = _reward_weight(config.reward_weight, reward_cls, mode_cls)
        self.schedule = RewardSchedule.resolve(config, reward_cls.schedule)
        self.resolved |= {
            "schedule": self.schedule.__dict__,
            "method": mode_name,
            "reward_weight": self.reward_weight,
            "reward_params": reward.config,
            "method_params": self.mode.config,
            # what the method's strength is and what it set (λ, the tilt or its option)
            "strength": {
                "name": mode_cls.strength_name,
                "value": self.mode.strength_value(self.reward_weight, self.schedule.tilt),
                "sets": mode_cls.strength_setting(),
            },
        }
        self.plugins_used["reward"] = _provider_record(component.provider)
        self.plugins_used["method"] = _provider_record(method_component.provider)

    def _audited_run(self) -> AuditedRun:
        """What the training-time audit reads of this run (a reward run, set up)."""
        assert self.mode is not None, "a training-time audit needs the run's reward"
        return AuditedRun(
            config=self.config,
            host=self.host,
            device=self.device,
            score_rewards=self.mode.score,
            reward_params=self.resolved["reward_params"],
            reward_start=self.schedule.start,
            dataset=self.dataset_spec,
            shape=self.shape,
            out_dir=self.out_dir,
        )

    def _start(self, resume: bool) -> tuple[RunContext, _Updates]:
        """Seeds, data, models and optimisers; the checkpoint restored (``resume``) or the
        run's config.json written."""
        config, device, backbone = self.config, self.device, self.backbone
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.compute.start()
        ckpt_path = self.out_dir / CHECKPOINT_FILE
        if not resume and ckpt_path.exists():
            raise ConfigError(
                f"{self.out_dir} already holds a run; pass --resume to continue it or choose "
                f"another --out"
            )
        seed_everything(config.seed, device)
        if device.type == "cuda":
            torch.backends.cudnn.benchmark = True
        else:
            torch.use_deterministic_algorithms(True, warn_only=True)
            # the NaN fill of every new tensor is a debugging aid, not needed for determinism;
            # it was ~8% of a WGAN-GP critic step on CPU (docs/performance.md)
            torch.utils.deterministic.fill_uninitialized_memory = False  # type: ignore[attr-defined]

        data = self.dataset_spec.load(
            "train", config.data_root, self.shape.image_size, self.shape.channels
        )
        generator = backbone.build_generator().to(device)
        critic = backbone.build_critic().to(device)
        if self.base is not None:
            self.base.load_into(generator, critic)
        ema = copy.deepcopy(generator).requires_grad_(False)  # the loaded generator, if any
        self.compute.count_generator(generator)  # after the EMA's copy: it only draws grids
        opt_g, opt_d = backbone.optimizers(generator, critic)
        opt_inner = (
            PreconditionedSteps(opt_g)
            if self.mode is not None and self.mode.inner_optimizer
            else None
        )
        data_rng = torch.Generator(device=device).manual_seed(config.seed + 1)
        noise_rng = torch.Generator(device=device).manual_seed(config.seed + 2)
        grid_latents = backbone.sample_latent(
            GRID_SAMPLES, device, torch.Generator(device=device).manual_seed(config.seed + 3)
        )
        amp = MixedPrecision(device, config.amp)
        # everything a checkpoint saves and restores, besides the step and the reference
        training_state: dict[str, Any] = dict(
            generator=generator,
            critic=critic,
            ema=ema,
            opt_g=opt_g,
            opt_d=opt_d,
            scaler=amp.scaler,
            data_rng=data_rng,
            noise_rng=noise_rng,
            mode=self.mode,
            compute=self.compute,
        )
        context = None
        if self.mode is not None:  # the method's own stream: only runs with one save it
            method_rng = torch.Generator(device=device).manual_seed(config.seed + 4)
            training_state["method_rng"] = method_rng
            context = self._method_context(generator, amp, method_rng)
        run = RunContext(
            config,
            self.out_dir,
            device,
            backbone,
            generator,
            critic,
            ema,
            reward_weight=self.reward_weight,
            host=self.host,
            grid_latents=grid_latents,
            internals=RunInternals(
                training_state=training_state, training_audit=self.training_audit
            ),
        )
        resumed = resume and ckpt_path.exists()
        if resumed:
            state = checkpoint.load(ckpt_path, device)
            if state["config_digest"] != config.digest():
                raise ConfigError(
                    f"{self.out_dir} holds a run with a different configuration; "
                    f"resume with the same flags or choose another --out"
                )
            if self.base is not None:
                init_from.check_unchanged(self.base, self.out_dir)
            internals = run.internals
            checkpoint.restore(state, **internals.training_state)
            if state.get("reference"):
                internals.reference = copy.deepcopy(generator).requires_grad_(False)
                internals.reference.load_state_dict(state["reference"])
            run.start_step = internals.checkpoint_step = int(state["step"])
        weights = None
        if self.mode is not None and context is not None:  # with the models as the run starts
            context.step = run.start_step
            weights = checked_weights(
                self.mode.real_weights(data.images, context), data.images.shape[0], self.mode.name
            )
        if weights is not None:
            self.resolved["tilt_effective_images"] = effective_images(weights)
        if not resumed:
            self._write_config(data)
        real = RealBatches(
            data.images, config.batch_size, device, data_rng, weights, self.schedule.start
        )
        run.step = run.start_step  # a resumed run starts where its checkpoint left off
        return run, _Updates(opt_g, opt_d, amp, real, noise_rng, opt_inner, context)

    def _method_context(
        self, generator: nn.Module, amp: MixedPrecision, rng: torch.Generator
    ) -> MethodContext:
        """What the method is given of this run; the trainer updates its step and λ."""
        assert self.mode is not None
        backbone, device = self.backbone, self.device

        def sample_latent(n: int) -> Tensor:
            return backbone.sample_latent(n, device, rng)

        @torch.no_grad()
        def sample(n: int) -> Tensor:
            with amp.autocast():  # eval mode: BatchNorm's running statistics stay as they are
                return generate_in_eval_mode(generator, sample_latent(n))

        return MethodContext(
            reward=self.mode.reward,
            strength=self.mode.strength_value(self.reward_weight, self.schedule.tilt),
            weight=0.0,
            step=0,
            steps=self.config.steps,
            start=self.schedule.start,
            batch_size=self.config.batch_size,
            device=device,
            rng=rng,
            sample_latent=sample_latent,
            sample=sample,
        )

    # -- training -----------------------------------------------------------------------------
    def run(self, resume: bool = False) -> dict[str, Any]:
        config, device, backbone = self.config, self.device, self.backbone
        run, updates = self._start(resume)
        generator, critic, ema = run.generator, run.critic, run.ema_generator
        opt_g, opt_d, amp, real = updates.opt_g, updates.opt_d, updates.amp, updates.real
        generate = partial(amp.generate, generator)
        critic_steps = backbone.critic_steps
        # the mode's extra updates step their own optimiser when it asks for one
        step_extra = partial(amp.update, updates.opt_inner or opt_g)
        # the mode's own statistics are logged as <method>_<key>
        prefix = f"{self.mode.name.replace('-', '_')}_" if self.mode is not None else ""
        method, context = self.mode, updates.method_context

        with self.compute.paused():  # what plugins' hooks call is not the method's cost
            self.host.hook.rlgan_run_start(run=run)
        progress = TrainProgress(config.steps, run.start_step, quiet=self.quiet, silent=self.silent)
        meter = StepMeter(run.start_step)
        with progress:
            for step in range(run.start_step + 1, config.steps + 1):
                log_now = step % config.log_every == 0 or step == config.steps
                check_now = log_now or self.finite.every_step  # NaN checks read the device
                lam = run.step_reward_weight = self._lambda(step, run)
                # the method acts from reward_start on: first on its own (its samples), then
                # on each of the critic's real batches
                acting = context if context is not None and step >= self.schedule.start else None
                if method is not None and acting is not None:
                    acting.step, acting.weight = step, lam
                    method.before_step(acting)
                # (1) the critic, on real and generated batches; with one critic step its fake
                # batch is reused for the generator update, as pytorch/examples does
                for _ in range(critic_steps):
                    z = backbone.sample_latent(config.batch_size, device, updates.noise_rng)
                    with torch.set_grad_enabled(critic_steps == 1):
                        fake = generate(z)
                    if check_now:
                        self.finite.samples(fake, step, first=step == run.start_step + 1)
                    real_images = real.draw(step)
                    if method is not None and acting is not None:
                        real_images = method.real_batch(real_images, acting)
                        if check_now:
                            self.finite.real_batch(real_images, step)
                    with amp.autocast():
                        d_loss = backbone.critic_loss(critic, real_images, fake.detach())
                    if check_now:
                        self.finite.critic_loss(d_loss, step)
                    amp.update(opt_d, d_loss)
                    backbone.after_critic_step(critic)
                if critic_steps > 1:
                    z = backbone.sample_latent(config.batch_size, device, updates.noise_rng)
                    fake = generate(z)
                    if check_now:
                        self.finite.samples(fake, step, first=False)

                # (2) the generator, on the adversarial loss plus lambda times the reward term
                critic.requires_grad_(False)
                with amp.autocast():
                    g_loss = backbone.generator_loss(critic, fake)
                if check_now:
                    self.finite.generator_loss(g_loss, step)
                loss, scores, anchor = self._generator_loss(run, amp, z, fake, g_loss, lam, log_now)
                amp.update(opt_g, loss)
                mode_values: dict[str, Tensor] = {}
                if method is not None and lam > 0:
                    method.extra_updates(generate, lam, step_extra)
                if method is not None and acting is not None:
                    mode_values = {prefix + k: v for k, v in method.log_values().items()}
                critic.requires_grad_(True)
                _update_ema(ema, generator, config.ema_decay, step)

                # (3) the side jobs: the hooks (logs, grids, checkpoints, audits and plugins)
                meter.add(d_loss, g_loss, scores, anchor, mode_values)
                stats = meter.drain(step, lam) if log_now else None
                run.step = step
                run.stats = stats if stats is not None else run.stats
                with self.compute.paused():  # the side jobs (audits, grids) watch the run
                    self.host.hook.rlgan_after_generator_step(run=run, step=step, stats=stats)
                if stats is not None:
                    progress.update(step, stats)
        wall = meter.elapsed()
        summary = {
            "steps": config.steps,
            "resumed_from": run.start_step,
            "wall_time_s": wall,
            "steps_per_s": (config.steps - run.start_step) / max(wall, 1e-9),
            "device": str(device),
        }
        if self.compute.complete:  # not for a run resumed from a checkpoint without counts
            summary["compute"] = self.compute.record().to_json()
        write_json(self.out_dir / "summary.json", summary)
        with self.compute.paused():
            self.host.hook.rlgan_run_end(run=run, summary=summary)
        return summary

    def _generator_loss(
        self,
        run: RunContext,
        amp: MixedPrecision,
        z: Tensor,
        fake: Tensor,
        g_loss: Tensor,
        lam: float,
        log_now: bool,
    ) -> tuple[Tensor, Tensor | None, Tensor | None]:
        """The generator's loss: the adversarial one, plus, once the reward acts, lambda times
        the mode's reward term and the anchor's KL; with the reward's scores and the anchor
        term for the log."""
        mode = self.mode
        if mode is None or lam <= 0:
            if mode is None or not log_now:
                return g_loss, None, None
            with torch.no_grad():  # the reward is still logged before it is used
                return g_loss, mode.score(fake.detach()), None
        generate: Callable[[Tensor], Tensor] = partial(amp.generate, run.generator)
        mode.check_finite = log_now or self.finite.every_step
        reward_term, scores = mode.reward_loss(run.generator, z, fake, generate)
        if mode.check_finite:  # the step under way is the one after the last completed
            self.finite.method_loss(reward_term, run.step + 1)
        total = g_loss + lam * reward_term
        anchor = None
        if self.schedule.anchor > 0:
            internals = run.internals
            if internals.reference is None:
                internals.reference = copy.deepcopy(run.generator).requires_grad_(False)
            with torch.no_grad():
                target = amp.generate(internals.reference, z)
            anchor = 0.5 * (fake - target).pow(2).flatten(1).sum(1).mean()
            total = total + self.schedule.anchor * anchor
        return total, scores, anchor

    def _lambda(self, step: int, run: RunContext) -> float:
        schedule = self.schedule
        if self.mode is None or step < schedule.start:
            return 0.0
        ramp = 1.0
        if schedule.warmup:
            ramp = min(1.0, (step - schedule.start + 1) / schedule.warmup)
        return run.reward_weight * ramp

    def _write_config(self, data: ImageData) -> None:
        record = {
            "config": self.config.to_dict(),
            "config_digest": self.config.digest(),
            "resolved": self.resolved,
            "shape": self.shape.__dict__,
            "split": data.split_info,
            "plugins": self.plugins_used,
            "versions": environment(),
            "device": str(self.device),
        }
        write_json(self.out_dir / "config.json", record)


def _reward_weight(given: float | None, reward: type[Any], method: type[Method]) -> float:
    """λ: as given, else the reward's default; 0 for a method with no reward term in the
    generator's loss (its strength acts elsewhere), which refuses a λ that would do nothing."""
    if method.reward_loss is not Method.reward_loss:
        return float(given if given is not None else reward.default_lambda)
    if given:
        raise ConfigError(
            f"method {method.name!r} has no reward term in the generator's loss, so lambda "
            f"{given:g} would have no effect; leave it out or give 0 (its strength is "
            f"{method.strength_name}, which sets {method.strength_setting()})"
        )
    return 0.0


def _provider_record(provider: Any) -> dict[str, Any]:
    return {"name": provider.name, "version": provider.version, "builtin": provider.builtin}


@torch.no_grad()
def _update_ema(ema: nn.Module, model: nn.Module, decay: float, step: int) -> None:
    # short runs: a lower decay early on, so the EMA does not average in the random init
    decay = min(decay, (1 + step) / (10 + step))
    for ema_param, param in zip(ema.parameters(), model.parameters()):
        ema_param.lerp_(param.detach(), 1 - decay)
    for ema_buffer, buffer in zip(ema.buffers(), model.buffers()):
        ema_buffer.copy_(buffer)


__all__ = ["GRID_SAMPLES", "RewardSchedule", "RunContext", "Trainer", "TrainingDiverged"]
