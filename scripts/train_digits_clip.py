"""Train the two shipped digits CLIP models and record them in rlgan_bench/assets/manifest.json.

    python scripts/train_digits_clip.py                 # both variants, a few minutes on 2 cores
    python scripts/train_digits_clip.py --only audit    # just one of them

Contrastive training as in CLIP, with one change for a 10-class world: a batch holds many
images of the same digit, so an image's positives are all captions of its digit and a
caption's positives all images of its digit (soft targets), instead of one diagonal pair.
Seeded and CPU-only; the heldout split is only scored, never used to pick anything.
"""

from __future__ import annotations

import argparse
import math
import time

import torch
import torch.nn.functional as F
from clip.model import CLIP
from torch import Tensor

from rlgan_bench.shared.digits import load_digits
from rlgan_bench.shared.nets import digits_clip as dc
from rlgan_bench.shared.nets import save_state
from rlgan_bench.shared.nets.digit_nets import augment

BATCH = 128
LR = 2e-3
WARMUP = 50
EPOCHS = 100


def soft_cross_entropy(logits: Tensor, same: Tensor) -> Tensor:
    """Cross-entropy against targets spread evenly over each row's positives."""
    targets = same / same.sum(1, keepdim=True)
    return -(targets * logits.log_softmax(1)).sum(1).mean()


def all_captions() -> tuple[list[str], Tensor]:
    captions = [(caption, label) for label in range(10) for caption in dc.captions_for(label)]
    return [c for c, _ in captions], torch.tensor([label for _, label in captions])


def zero_unused_embeddings(model: CLIP) -> None:
    """Rows of words not in any caption never get a gradient; zero them so that the shipped
    file, which stores only the caption rows, loads to exactly the trained model."""
    keep = torch.zeros(dc.VOCAB_SIZE, dtype=torch.bool)
    keep[dc.caption_token_ids()] = True
    with torch.no_grad():
        model.token_embedding.weight[~keep] = 0


def train(variant: dc.Variant, epochs: int) -> CLIP:
    torch.manual_seed(variant.seed)
    gen = torch.Generator().manual_seed(variant.seed)
    data = load_digits(variant.split, image_size=32, channels=1)
    images, labels = data.as_float(), data.labels
    assert labels is not None
    captions, caption_labels = all_captions()
    tokens = dc.tokenize(captions)
    model = dc.build(variant.name)
    zero_unused_embeddings(model)
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.05)
    total = epochs * math.ceil(len(images) / BATCH)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / WARMUP) * 0.5 * (1 + math.cos(math.pi * s / total))
    )
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(images), generator=gen)
        for start in range(0, len(images), BATCH):
            index = order[start : start + BATCH]
            image_emb = dc.encode_images(model, augment(images[index], gen))
            text_emb = F.normalize(model.encode_text(tokens), dim=-1)
            logits = model.logit_scale.exp() * image_emb @ text_emb.T
            same = (labels[index, None] == caption_labels[None, :]).float()
            present = same.sum(0) > 0  # captions whose digit is in the batch
            loss = 0.5 * (
                soft_cross_entropy(logits, same)
                + soft_cross_entropy(logits.T[present], same.T[present])
            )
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            with torch.no_grad():  # CLIP clamps the temperature at 100
                model.logit_scale.clamp_(0, math.log(100))
        if (epoch + 1) % 10 == 0:
            print(f"  epoch {epoch + 1}/{epochs} loss {loss.item():.3f}", flush=True)
    return model.eval()


@torch.no_grad()
def evaluate(model: CLIP) -> dict[str, float]:
    heldout = load_digits("heldout", image_size=32, channels=1)
    big = load_digits("heldout", image_size=64, channels=3)
    labels = heldout.labels
    assert labels is not None
    captions, caption_labels = all_captions()
    image_emb = dc.encode_images(model, heldout.as_float())
    cosine = image_emb @ dc.encode_texts(model, captions).T
    same = labels[:, None] == caption_labels[None, :]
    # prompt ensemble: mean cosine over all templates of a digit
    ensemble = cosine.view(len(labels), 10, -1).mean(2)

    def accuracy(logits: Tensor) -> float:
        return (logits.argmax(1) == labels).float().mean().item()

    metrics = {
        "zero_shot_accuracy": accuracy(dc.zero_shot_logits(model, heldout.as_float())),
        "zero_shot_accuracy_64px_rgb": accuracy(dc.zero_shot_logits(model, big.as_float())),
        "template_ensemble_accuracy": accuracy(ensemble),
        "matching_cosine": cosine[same].mean().item(),
        "mismatched_cosine": cosine[~same].mean().item(),
    }
    return {key: round(value, 4) for key, value in metrics.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=list(dc.VARIANTS))
    args = parser.parse_args()
    # one thread: the sums are then reproducible, and these small models gain little from more
    torch.set_num_threads(1)
    for name, variant in dc.VARIANTS.items():
        if args.only not in (None, name):
            continue
        started = time.time()
        print(f"digits CLIP {name!r}: training on {variant.split!r} ({EPOCHS} epochs)")
        state = dc.pack_state(train(variant, EPOCHS))
        # score what ships: fp16 weights and sparse embedding rows, loaded back
        shipped = dc.build(name)
        shipped.load_state_dict(dc.unpack_state(state))
        metrics: dict[str, float | int | str] = {
            "train_split": variant.split,
            "epochs": EPOCHS,
            "seed": variant.seed,
        }
        metrics.update(evaluate(shipped.eval()))
        entry = save_state(variant.model_file, state, metrics)
        print(
            f"digits CLIP {name!r}: {metrics} ({time.time() - started:.0f} s), "
            f"sha256 {entry.sha256}"
        )


if __name__ == "__main__":
    main()
