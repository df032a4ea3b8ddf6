"""AdaIN's networks as Keras models: the VGG16-HED encoder to block4_conv1 and the decoder that mirrors it.

  encoder  VGG16-HED up to block4_conv1, the equivalent of the paper's VGG19 relu4_1 (the Keras
           layer applies the ReLU); Caffe preprocessing as methods.core.backbones; each layer's
           output divided by its FEATURE_MEANS.
  decoder  the encoder mirrored (block4_conv1 back to RGB): nearest-neighbour upsampling,
           reflection-padded 3x3 convolutions with ReLU, no normalisation; trained by
           methods.adain.train, stored as float16 .npz (save_decoder, read_decoder).
"""
from __future__ import annotations

import numpy as np

from methods.core.backbones import CAFFE_MEAN_BGR, full_vgg, layers_up_to
from methods.core.ops import adain, reflection_pad_layer

CONTENT_LAYER = "block4_conv1"
ENCODER_LAYERS = layers_up_to(CONTENT_LAYER)
# Mean activation of each layer over random 256 px crops of the train photos and paintings.
# The encoder divides its outputs by these, as the paper's normalised VGG does in its weights
# (Gatys et al.): every layer then counts about equally in the style loss and the content and
# style weights mean what they mean in the paper. Unnormalised, block1's 14x larger
# activations made the style loss swamp the content loss, and the decoder hardly learned to
# reconstruct the photo (2000 steps, SSIM 0.1).
FEATURE_MEANS = {"block1_conv1": 14.09, "block1_conv2": 17.05, "block2_conv1": 13.40, "block2_conv2": 4.21,
                 "block3_conv1": 7.95, "block3_conv2": 6.82, "block3_conv3": 2.49, "block4_conv1": 4.33}
DOWNSAMPLE = 8  # three 2x2 max-pools


def build_encoder(dtype: str = "float32"):
    """VGG16-HED to block4_conv1 as a Keras model: RGB [0, 1] in, {layer: features / its
    FEATURE_MEANS} out (all ENCODER_LAYERS), weights from methods.core.backbones' VGG16-HED, frozen."""
    import keras

    vgg, _ = full_vgg("vgg16_hed")
    inputs = keras.Input((None, None, 3))
    x = keras.ops.flip(inputs, axis=-1) * 255.0 - CAFFE_MEAN_BGR
    outputs = {}
    for name in ENCODER_LAYERS:
        if name.endswith("_conv1") and name != "block1_conv1":
            x = keras.layers.MaxPooling2D(2, name=name.replace("_conv1", "_pool_in"), dtype=dtype)(x)
        source = vgg.get_layer(name)
        layer = keras.layers.Conv2D(source.filters, 3, padding="same", activation="relu", name=name, dtype=dtype)
        x = layer(x)
        layer.set_weights(source.get_weights())
        outputs[name] = x * (1.0 / FEATURE_MEANS[name])
    encoder = keras.Model(inputs, outputs, name="adain_encoder")
    encoder.trainable = False
    return encoder


def build_decoder(dtype: str = "float32"):
    """block4_conv1 features (512 channels, normalised as the encoder's) -> RGB: the encoder's convolutions in
    reverse order, a nearest-neighbour 2x upsampling where the encoder pools; the last convolution is linear."""
    import keras

    pad = reflection_pad_layer()
    widths = [(256, "block4"), "up", (256, "block3_3"), (256, "block3_2"), (128, "block3_1"), "up",
              (128, "block2_2"), (64, "block2_1"), "up", (64, "block1_2"), (3, "block1_1")]
    inputs = keras.Input((None, None, 512))
    x, ups = inputs, 0
    for spec in widths:
        if spec == "up":
            ups += 1
            x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"up{ups}", dtype=dtype)(x)
            continue
        filters, mirrored = spec
        x = pad(1, name=f"dec_{mirrored}_pad", dtype=dtype)(x)
        x = keras.layers.Conv2D(filters, 3, activation=None if filters == 3 else "relu",
                                name=f"dec_{mirrored}", dtype=dtype)(x)
    outputs = keras.layers.Activation("linear", dtype="float32", name="rgb")(x)
    return keras.Model(inputs, outputs, name="adain_decoder")


def forward(encoder, decoder, content, style, strength):
    """Photos and paintings (N, H, W, 3) -> the decoded AdaIN targets at `strength`, as training sees them."""
    import keras

    features = keras.ops.cast(encoder(content)[CONTENT_LAYER], "float32")  # statistics in float32
    target = adain(features, keras.ops.cast(encoder(style)[CONTENT_LAYER], "float32"))
    return decoder((1.0 - strength) * features + strength * target)


def save_decoder(decoder, path, **meta) -> None:
    """float16 weights (half the size; outputs differ from float32 by under 1/255) plus `meta`."""
    arrays = {f"w{i:03d}": np.asarray(w, np.float16) for i, w in enumerate(decoder.get_weights())}
    with open(path, "wb") as file:  # a file object: np.savez would add .npz to a name
        np.savez(file, **{k: np.asarray(v) for k, v in meta.items()}, **arrays)


def read_decoder(path, dtype: str = "float32"):
    """A decoder from save_decoder's .npz, or from a training checkpoint's .weights.h5."""
    decoder = build_decoder(dtype)
    if str(path).endswith(".weights.h5"):
        decoder.load_weights(str(path))
        return decoder
    with np.load(path, allow_pickle=False) as file:
        decoder.set_weights([file[f"w{i:03d}"].astype(np.float32) for i in range(len(decoder.weights))])
    return decoder
