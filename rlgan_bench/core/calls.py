"""Counting what making samples costs where the calls happen: the images a reward scores and the
images a generator makes (docs/results.md, ``compute``).

A :class:`CallCounter` wraps the ``score`` of one reward instance (``reward(images)`` calls it
too) and hooks the forward pass of one generator module, so whatever calls them is counted,
whichever method or selection it is: backprop's one score per sample, the policy methods'
perturbation groups, PPO's inner epochs, the critic method's fits and warm-up, best-of-n's N
draws per sample. A copy of the hooked generator (``copy.deepcopy``, as the trainer makes the
anchor's reference) keeps counting into the same counter; the EMA copy taken before the hook is
not counted (it only draws the side jobs' grids and audits)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from torch import Tensor, nn
from torch.utils.hooks import RemovableHandle

from rlgan_bench.core.records import Compute


class CallCounter:
    """Images scored by one reward and made by one generator (and its copies), and the wall
    seconds since :meth:`start` plus those of earlier processes (a resumed run)."""

    def __init__(self) -> None:
        self.reward_calls = 0
        self.generator_calls = 0
        #: False when part of the run was counted by nothing (resumed from an older checkpoint)
        self.complete = True
        self._paused = 0
        self._seconds_before = 0.0
        self._started: float | None = None

    def count_reward(self, reward: Any) -> None:
        """Count every image ``reward`` scores from now on (its instance's ``score`` wrapped)."""
        score: Callable[[Tensor], Tensor] = reward.score

        def counted(images: Tensor) -> Tensor:
            if not self._paused:
                self.reward_calls += int(images.shape[0])
            return score(images)

        reward.score = counted

    def count_generator(self, generator: nn.Module) -> RemovableHandle:
        """Count every image ``generator`` makes from now on (a forward pre-hook on its batch)."""

        def counted(module: nn.Module, args: tuple[Any, ...]) -> None:
            if not self._paused and args and isinstance(args[0], Tensor):
                self.generator_calls += int(args[0].shape[0])

        return generator.register_forward_pre_hook(counted)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Nothing counted inside: the side jobs (grids, training-time audits, plugins' hooks)
        watch a run, they are not what its method costs."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1

    def start(self) -> None:
        """Start the clock of this process."""
        self._started = time.perf_counter()

    @property
    def seconds(self) -> float:
        running = time.perf_counter() - self._started if self._started is not None else 0.0
        return self._seconds_before + running

    def record(self, samples: int | None = None) -> Compute:
        return Compute(
            reward_calls=self.reward_calls,
            generator_calls=self.generator_calls,
            seconds=round(self.seconds, 3),
            samples=samples,
        )

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps, so that a resumed run's counts are the whole run's."""
        return {
            "reward_calls": self.reward_calls,
            "generator_calls": self.generator_calls,
            "seconds": self.seconds,
            "complete": self.complete,
        }

    def load_state_dict(self, state: dict[str, Any] | None) -> None:
        """Continue from a checkpoint's counts; None (a checkpoint written before they were
        kept): the counts miss the steps before it, so they are incomplete."""
        if state is None:
            self.complete = False
            return
        self.reward_calls = int(state["reward_calls"])
        self.generator_calls = int(state["generator_calls"])
        self._seconds_before = float(state["seconds"])
        self.complete = bool(state.get("complete", True))
        if self._started is not None:
            self._started = time.perf_counter()


def total(train: Compute | None, sampling: Compute | None) -> Compute | None:
    """A cell's compute: its training's and its evaluation samples' together (with both as
    ``parts``); None unless both were counted (a run trained or evaluated by an older
    rlgan-bench)."""
    if train is None or sampling is None:
        return None
    return Compute(
        reward_calls=train.reward_calls + sampling.reward_calls,
        generator_calls=train.generator_calls + sampling.generator_calls,
        seconds=round(train.seconds + sampling.seconds, 3),
        samples=sampling.samples,
        parts={"train": train, "sampling": sampling},
    )


__all__ = ["CallCounter", "total"]
