"""CycleGAN (Zhu et al. 2017): a generator that translates photos into one fixed domain.

The generator is the paper's ResNet generator (methods.cyclegan.generator), trained on two
unpaired collections (photos, crops of one painting), so it cannot read an arbitrary style image:
it always paints in the domain it learned. The project trained one per shared painting
(methods.cyclegan.train, on the train photos only; weights and cards in assets/cyclegan, listed in
methods.core.weights), with the paper's losses plus a Gram style term and nearest-neighbour upsampling:
on a 2-core budget the paper's losses alone transferred colour, not texture (see
methods.cyclegan.train). The `checkpoint` parameter picks which:
  auto     the painting's own generator when the style image is one of them (a thumbnail
           fingerprint recognises it); otherwise the nearest by Magenta style embedding,
           named with its similarity (methods.cyclegan.choice). Only the generator used is loaded.
  train    trains a generator for this painting now, fine-tuning the nearest one of its shape
           (about 9 min on 2 cores, the first time), cached by the painting's pixels under
           cache_home()/cyclegan and resumable (methods.cyclegan.on_demand).
  vintage  vintagify's photo-to-old-photo generator; ignores the painting.

Peak memory at its maximum size (a 1024x1024 photo, `/usr/bin/time -v python -m methods`):
2.4 GB RSS with vintagify's generator (ngf 64, 9 blocks), 0.95 GB with a project generator (it
works at 512 px); `forward` in methods.cyclegan.generator says why not more.
"""
from __future__ import annotations

from methods.base import Method, Param
from methods.core import weights
from methods.cyclegan.choice import available_models, choose_model
from methods.cyclegan.generator import translate
from methods.cyclegan.generator_files import PROJECT_MODELS, load_generator, read_cached

CHECKPOINTS = ("auto", "train", "vintage", *PROJECT_MODELS)
# checkpoint=train may run this long (training included), against the usual 5 min cap
TRAIN_SECONDS = 720.0
IGNORED_STYLE = "CycleGAN ignored your style image; it translates into the domain it was trained on"


class CycleGAN(Method):
    name = "cyclegan"
    title = "CycleGAN"
    family = "unpaired image-to-image translation (one domain per network)"
    description = ("Zhu et al. 2017: a ResNet generator trained on two unpaired collections (photos and "
                   "crops of a painting), here with an added Gram style loss. One forward pass; it paints in the "
                   "domain it was trained on and cannot read a style image, so each painting needs its own "
                   "generator.")
    uses_style = False
    params = (
        Param("checkpoint", "auto", "choice",
              "which trained generator: auto (the project's generator for your painting, else the nearest one "
              "by style, named with its similarity), train (train one for your painting, starting from the "
              f"nearest of its shape: about 9 min on 2 cores the first time, capped at {TRAIN_SECONDS / 60:.0f} "
              "min and resumable, then cached), vintage (vintagify, photo to old photo), or a project generator "
              f"({', '.join(PROJECT_MODELS)})",
              choices=CHECKPOINTS),
    )

    def networks(self, params):
        name = params["checkpoint"]
        if name == "auto":
            return (*(f"cyclegan_{model}" for model in PROJECT_MODELS), "magenta_predict_onnx")
        # train: its Gram loss reads VGG16-HED, its file records the painting's Magenta embedding, and
        # it starts from the nearest project generator
        if name == "train":
            return ("vgg16_hed", "magenta_predict_onnx", *(f"cyclegan_{model}" for model in PROJECT_MODELS))
        return (f"cyclegan_{name}",)

    def time_limit(self, params):
        return TRAIN_SECONDS if params["checkpoint"] == "train" else self.max_seconds

    def load(self, params):
        name = params["checkpoint"]
        if name == "auto":
            return available_models()  # their fingerprints and embeddings; no generator yet
        return None if name == "train" else load_generator(name)

    def run(self, content, style, params, on_progress, loaded):
        name, info = params["checkpoint"], {}
        if name == "auto":
            name, info = choose_model(style, loaded)
        if name == "train":
            # why here: the training code (optimisers, data, the image manifest) loads only when a run trains
            from methods.cyclegan.on_demand import generator_for

            path, trained = generator_for(style, on_progress)
            generator = read_cached(str(path), path.stat().st_mtime_ns)
            source = f"trained for your painting ({path.parent.name})"
            info = {"style_used": True, "trained_now": trained,
                    "note": "CycleGAN used a generator trained on your painting"
                            + (" just now" if trained else " earlier (cached)") + "."}
        else:
            generator, source = load_generator(name)
        on_progress(0.0, f"translating with CycleGAN generator {name}", None)

        def on_tile(done, total):  # between tiles: where a deadline or a cancel can stop the run
            on_progress(done / (total + 1), f"translating with CycleGAN generator {name}: tile {done}/{total}", None)

        meta = generator.meta
        side = meta.get("side")
        image = translate(generator, content, side, on_tile)
        info = {"checkpoint": name, "weights_source": source, "style_used": False,
                "network": f"ResNet generator, ngf {generator.ngf}, {generator.n_blocks} residual blocks", **info}
        if meta.get("painting"):
            info["trained_on"] = meta["painting"]
            info["translated_at"] = f"{side} px long side (the scale it was trained at), resized back"
        if name in PROJECT_MODELS:
            card = weights.model_card(f"cyclegan_{name}")
            info["training_images"] = list(card.get("training_images", ()))  # photos
            measured = measured_sentence(card.get("eval_wins"))
        info.setdefault("note", f"{IGNORED_STYLE} ({name})." if name == "vintage" else
                        f"CycleGAN used the generator trained on {meta.get('painting')}; it does not read your "
                        "style image.")
        if name in PROJECT_MODELS and measured:
            info["note"] += " " + measured
        on_progress(1.0, "done", image)
        return image, info


def measured_sentence(wins: str | None) -> str:
    """What the generator's card says it achieved (benchmarks/cyclegan_quality.py), in words."""
    try:
        won, total = map(int, str(wins).split("/"))
    except ValueError:
        return ""
    weak = " A weak generator: below the project's target of 80 %." if won < 0.8 * total else ""
    return (f"On {total} test photos it never saw, this generator beat a plain colour transfer on texture and "
            f"style gain on {won}, scored against the painting it was trained on.{weak}")
