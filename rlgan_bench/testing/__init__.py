"""The conformance kit: checks that a plugin's components keep the contracts the benchmark
relies on, before it is published (docs/testing-plugins.md).

Each check takes a component class and returns its problems, one line per broken property
naming the component (``reward 'x': deterministic: two calls on the same 8 images differ by
up to 0.52; ...``), or an empty list. The checks run the component on small real inputs (the
embedded digits, tiny networks, a few steps of the real trainer) and take seconds on a CPU::

    from rlgan_bench.testing import assert_conforms, check_reward

    def test_the_reward_conforms():
        assert_conforms(check_reward(MyReward))

``rlgan-bench plugins check [NAME]`` runs the same checks on installed plugins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rlgan_bench.core.audit import Audit
from rlgan_bench.core.backbone import Backbone
from rlgan_bench.core.method import Method
from rlgan_bench.core.reward import Reward
from rlgan_bench.host import PluginHost
from rlgan_bench.testing.audits import audit_findings
from rlgan_bench.testing.backbones import backbone_findings
from rlgan_bench.testing.methods import method_findings
from rlgan_bench.testing.plugins import installed_findings
from rlgan_bench.testing.rewards import reward_findings

__all__ = [
    "assert_conforms",
    "check_audit",
    "check_backbone",
    "check_method",
    "check_plugin",
    "check_reward",
]


def check_reward(
    reward: type[Reward], params: Mapping[str, Any] | None = None, *, device: str = "cpu"
) -> list[str]:
    """The problems of ``reward`` made with ``params`` (default: its defaults): one finite
    score per image (shape (N,)), the same scores for the same images, each image's score
    independent of the rest of its batch (unless it declares ``batch_invariant = False``),
    gradients reaching the images exactly when it declares ``differentiable``, and finite
    scores of real digits when it declares ``scores_real_data``."""
    return reward_findings(reward, params, device).problems


def check_backbone(
    backbone: type[Backbone],
    params: Mapping[str, Any] | None = None,
    *,
    host: PluginHost | None = None,
    device: str = "cpu",
) -> list[str]:
    """The problems of ``backbone`` with the hyperparameters ``params``: the shapes of its
    images, critic scores and losses at 32 and 64 px with 1 and 3 channels (except those it
    refuses with a ConfigError), a few finite training steps of the real trainer, and its
    networks loading back from the run's checkpoint. ``host``: the plugins to train with
    (default: those installed); the backbone is added to it when it does not provide it."""
    return backbone_findings(backbone, params, host, device).problems


def check_method(
    method: type[Method],
    options: Mapping[str, Any] | None = None,
    *,
    reward: str | None = None,
    host: PluginHost | None = None,
    device: str = "cpu",
) -> list[str]:
    """The problems of ``method`` with ``options``, trained with the reward named ``reward``
    (default: ``brightness``, or the first installed reward it applies to) from a tiny base:
    at strength 0 (``n = 1`` when its strength is ``n``) its generator is the one training on
    without it makes (a method that does not train: the base's), at its default strength the
    run stays finite, and a run resumed from a checkpoint ends where the uninterrupted one
    does (its state_dict round trip)."""
    return method_findings(method, options, reward, host, device).problems


def check_audit(
    audit: type[Audit],
    reward_params: Mapping[str, Any] | None = None,
    *,
    host: PluginHost | None = None,
    device: str = "cpu",
) -> list[str]:
    """The problems of ``audit`` on runs of its reward with ``reward_params`` (default: the
    reward's): one value per real digit, with a spread above 0 over them."""
    return audit_findings(audit, reward_params, host, device).problems


def check_plugin(name: str, *, host: PluginHost | None = None, device: str = "cpu") -> list[str]:
    """The problems of every backbone, reward, method and audit the installed plugin ``name``
    (its distribution name, as ``rlgan-bench plugins`` lists it) registers, with their
    defaults; a broken plugin's error is its one problem."""
    host = host or PluginHost().load()
    return [
        line for _, findings in installed_findings(host, name, device) for line in findings.problems
    ]


def assert_conforms(problems: list[str]) -> None:
    """Fail (an AssertionError listing them, one per line) when there are problems: the
    pytest form of a check, ``assert_conforms(check_reward(MyReward))``."""
    __tracebackhide__ = True  # pytest shows the problems, not this helper's frame
    if problems:
        raise AssertionError(
            f"{len(problems)} conformance problem{'s' if len(problems) > 1 else ''}:\n"
            + "\n".join(problems)
        )
