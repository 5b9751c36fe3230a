"""GAN backbones. Each module is a plugin that registers one backbone."""

from rlgan_bench.backbones.base import Backbone, ModelShape

__all__ = ["Backbone", "ModelShape"]
