"""The DCGAN networks of pytorch/examples/dcgan (Radford, Metz and Chintala, 2016), which the
DCGAN, WGAN and WGAN-GP backbones (and plugins such as rlgan-sngan) build on."""

from __future__ import annotations

from torch import Tensor, nn

from rlgan_bench.core.backbone import ModelShape


class Generator(nn.Module):
    """z (N, latent_dim) -> image (N, C, S, S) in [-1, 1]."""

    def __init__(self, shape: ModelShape) -> None:
        super().__init__()
        self.latent_dim = shape.latent_dim
        n_up = shape.n_upsamplings
        channels = shape.width * 2 ** (n_up - 1)
        layers: list[nn.Module] = [
            # latent vector -> 4x4 seed
            nn.ConvTranspose2d(shape.latent_dim, channels, 4, 1, 0, bias=False),
            nn.BatchNorm2d(channels),
            nn.ReLU(True),
        ]
        for _ in range(n_up - 1):  # 4 -> 8 -> 16 (-> 32)
            layers += [
                nn.ConvTranspose2d(channels, channels // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(channels // 2),
                nn.ReLU(True),
            ]
            channels //= 2
        layers += [nn.ConvTranspose2d(channels, shape.channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: Tensor) -> Tensor:
        return self.main(z.view(z.shape[0], self.latent_dim, 1, 1))


class Discriminator(nn.Module):
    """image -> one logit per image. ``norm`` is the normalisation between convolutions:
    BatchNorm for DCGAN and WGAN, LayerNorm-free ``"none"`` for WGAN-GP, whose penalty
    is defined per sample (Gulrajani et al., section 4)."""

    def __init__(self, shape: ModelShape, norm: str = "batch") -> None:
        super().__init__()
        n_down = shape.n_upsamplings
        channels = shape.width
        layers: list[nn.Module] = [
            nn.Conv2d(shape.channels, channels, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
        ]
        for _ in range(n_down - 1):
            layers.append(nn.Conv2d(channels, channels * 2, 4, 2, 1, bias=norm == "none"))
            if norm == "batch":
                layers.append(nn.BatchNorm2d(channels * 2))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            channels *= 2
        layers.append(nn.Conv2d(channels, 1, 4, 1, 0, bias=False))  # 4x4 -> 1x1
        self.main = nn.Sequential(*layers)

    def forward(self, image: Tensor) -> Tensor:
        return self.main(image).view(-1)


def init_weights(module: nn.Module) -> None:
    """N(0, 0.02) for convolutions, N(1, 0.02) and zero bias for BatchNorm (DCGAN paper)."""
    classname = module.__class__.__name__
    if "Conv" in classname:
        nn.init.normal_(module.weight, 0.0, 0.02)  # type: ignore[arg-type]
        if getattr(module, "bias", None) is not None:
            nn.init.zeros_(module.bias)  # type: ignore[arg-type]
    elif "BatchNorm" in classname:
        nn.init.normal_(module.weight, 1.0, 0.02)  # type: ignore[arg-type]
        nn.init.zeros_(module.bias)  # type: ignore[arg-type]
