"""How the generator optimises a reward: one module per mode, chosen with ``--mode``."""

from rlgan_bench.modes.base import MODES, RewardMode, get_mode

__all__ = ["MODES", "RewardMode", "get_mode"]
