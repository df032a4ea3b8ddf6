"""The rows every score is read against: the untouched photo and a plain colour transfer.

A style score means something only beside these. The photo is where every method starts;
the colour transfer (`skimage.exposure.match_histograms`, per RGB channel) is the cheapest
thing that makes a photo "look like" a painting without drawing anything. A method transfers
style only where it beats the colour transfer, on the same pair, on the style scores.

The Lab mean/std (Reinhard) transfer is not registered: on the default set it scored worse
than the histogram match on every style score (style-loss ratio mean 1.00 against 0.80, style
similarity 0.943 against 0.945), so it is the weaker baseline and would tell nothing more.

Peak memory at the maximum size (a 1024 px photo, `/usr/bin/time -v python -m methods`):
0.12 GB RSS for the photo, 0.14 GB for the colour transfer.
"""
from __future__ import annotations

import numpy as np

from methods.base import Method

PHOTO = "photo"
COLOUR_TRANSFER = "colour_transfer"
FAMILY = "reference"


def colour_transfer(image: np.ndarray, painting: np.ndarray) -> np.ndarray:
    """`image` with each RGB channel's histogram matched to the painting's."""
    from skimage.exposure import match_histograms

    return match_histograms(np.asarray(image, np.float32), np.asarray(painting, np.float32),
                            channel_axis=-1).astype(np.float32)


class Photo(Method):
    name = PHOTO
    max_concurrent = None  # no network: nothing to queue for
    title = "Reference: the photo"
    family = FAMILY
    description = "The untouched photo: what every score is measured from (no style transferred)."

    def run(self, content, style, params, on_progress, model):
        return content.copy(), {"weights_source": "none (no network)"}


class ColourTransfer(Method):
    name = COLOUR_TRANSFER
    max_concurrent = None  # no network: nothing to queue for
    title = "Reference: colour transfer"
    family = FAMILY
    description = ("The photo's colour histograms matched to the painting's (skimage match_histograms): "
                   "the reference a method must beat to claim it transfers more than colour.")

    def run(self, content, style, params, on_progress, model):
        return colour_transfer(content, style), {"weights_source": "none (no network)"}
