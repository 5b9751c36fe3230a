"""Rewards. Each built-in reward module is a plugin that registers one reward."""

from rlgan_bench.rewards.base import Reward, checked_scores

__all__ = ["Reward", "checked_scores"]
