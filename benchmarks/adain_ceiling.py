"""How much of a photo can an AdaIN decoder give back from the encoder's block4_conv1 features?

    python -m benchmarks.adain_ceiling [--steps 1500] [--log runs/adain_ceiling.jsonl]

A diagnostic for the AdaIN SSIM target (0.35), not a model: the shipped decoder is trained further
for reconstruction alone (pixel MSE x 10 plus the block1-3 conv1 feature MSE; no AdaIN, no style
loss) on 128 px crops of the train photos, and every 150 steps decode(encode(photo)) is compared
with the photo (SSIM, as the eval's) on the four validation photos, which no network trained on.
Stylised outputs move the features away from the photo's, so their SSIM sits below what a
reconstruction reaches: if this ceiling is near the target, the target is out of reach for the encoder.
The first line also gives a reference: each photo shrunk 8 times (the block4 grid) and enlarged back (Lanczos).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from eval import metrics, protocol
from methods import import_tensorflow_quietly
from methods.adain.model import CONTENT_LAYER, build_encoder, read_decoder
from methods.adain.train import STYLE_LAYERS, choose_dtype, feature_error
from methods.core import manifest as imageset
from methods.core import weights
from methods.core.images import resize
from methods.core.training import load_domain, random_crops, train_photo_paths


def thumbnail(photo: np.ndarray) -> np.ndarray:
    """The photo at block4's resolution (1/8), enlarged back: what a decoder would give from a tiny copy."""
    return resize(resize(photo, (photo.shape[0] // 8, photo.shape[1] // 8)), photo.shape[:2])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--log", type=Path, help="also append each line (JSON) here")
    args = parser.parse_args(argv)
    import_tensorflow_quietly()
    import keras
    import tensorflow as tf

    dtype = choose_dtype("auto")
    encoder = build_encoder(dtype)
    decoder = read_decoder(weights.resolve("adain_decoder").path, dtype)
    optimizer = keras.optimizers.Adam(1e-4)
    optimizer.build(decoder.trainable_variables)
    photos = load_domain([str(path) for path in train_photo_paths("the AdaIN ceiling")], 512)
    validation = {entry.name: imageset.load(entry, protocol.SIDE) for entry in protocol.split("validation").photos}
    validation = {name: photo[: photo.shape[0] // 8 * 8, : photo.shape[1] // 8 * 8]  # the encoder pools 3 times
                  for name, photo in validation.items()}

    def validation_ssim() -> dict:
        scores = {}
        for name, photo in validation.items():
            rebuilt = decoder(tf.cast(encoder(photo[None])[CONTENT_LAYER], tf.float32))
            scores[name] = round(metrics.ssim(np.clip(np.asarray(rebuilt, np.float32)[0], 0, 1), photo), 3)
        return scores

    @tf.function(reduce_retracing=True)
    def step(batch):
        features = encoder(batch)
        with tf.GradientTape() as tape:
            rebuilt = decoder(tf.cast(features[CONTENT_LAYER], tf.float32), training=True)
            again = encoder(rebuilt)
            pixels = tf.reduce_mean(tf.square(tf.cast(rebuilt, tf.float32) - batch))
            features_error = feature_error(again, features, STYLE_LAYERS[:-1])
            total = 10.0 * pixels + features_error
        optimizer.apply_gradients(zip(tape.gradient(total, decoder.trainable_variables), decoder.trainable_variables))
        return pixels, features_error

    log = args.log.open("a") if args.log else None

    def report(line: dict) -> None:
        line["ssim_mean"] = round(float(np.mean(list(line["val_ssim"].values()))), 3)
        text = json.dumps(line)
        print(text, flush=True)
        if log:
            log.write(text + "\n")
            log.flush()

    thumbnails = {name: round(metrics.ssim(thumbnail(photo), photo), 3) for name, photo in validation.items()}
    rng, started = np.random.default_rng(0), time.perf_counter()
    report({"step": 0, "val_ssim": validation_ssim(), "thumbnail_ssim": thumbnails})
    for done in range(1, args.steps + 1):
        pixels, features_error = step(tf.constant(random_crops(photos, 128, 8, rng)))
        if done % 150 == 0 or done == args.steps:
            report({"step": done, "seconds": round(time.perf_counter() - started), "pixels": round(float(pixels), 4),
                    "features": round(float(features_error), 3), "val_ssim": validation_ssim()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
