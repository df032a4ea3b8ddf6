"""The app's pool of outputs to vote on (assets/vote_pool/): every compared method on a few example
photos and paintings at the eval's size, each output scored by the judge as the voter sees it.

    python -m benchmarks.vote_pool [--size 256] [--photos astronaut,...] [--paintings starry_night,...]

Writes JPEGs (quality 90) of the photos, the paintings and the outputs (named by their sha256, so that a
page's image address never names the method), and manifest.json, which
lists each file with its sha256, its pixel hash (methods.core.files.pixel_key of the pixels as
decoded), and for an output its method, parameters and scores. The paintings are three of the six
with their own CycleGAN generator, so no method stands in for another there.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from eval import metrics
from methods import REGISTRY, get, import_tensorflow_quietly
from methods.core import manifest as imageset
from methods.core.files import atomic_write, file_digest, pixel_key
from methods.core.images import load_image, save_image
from methods.reference import FAMILY as REFERENCE_FAMILY

POOL = Path(__file__).resolve().parents[1] / "assets" / "vote_pool"
PHOTOS = ("astronaut", "chelsea", "kodim05", "kodim13")
PAINTINGS = ("starry_night", "great_wave", "the_scream")
QUALITY = 90


def _shipped(pixels, path: Path, opaque: bool = False) -> tuple[dict, object]:
    """Write pixels as JPEG; its manifest fields and the pixels as a reader decodes them. An
    `opaque` file is renamed after its sha256, so its name (which a browser sees) says no method."""
    save_image(pixels, path, quality=QUALITY)
    digest = file_digest(path)
    if opaque:
        path = path.rename(path.with_name(f"{digest[:16]}.jpg"))
    shown = load_image(path, max_side=None)
    return {"file": path.relative_to(POOL).as_posix(), "sha256": digest, "hash": pixel_key(shown)}, shown


def build(size: int, photos: list[str], paintings: list[str], out: Path = POOL) -> dict:
    import_tensorflow_quietly()
    entries = {entry.name: entry for entry in imageset.CONTENTS + imageset.STYLES}
    images, decoded = [], {}
    for name in [*photos, *paintings]:
        fields, decoded[name] = _shipped(imageset.load(entries[name], size), out / "images" / f"{name}.jpg")
        images.append({"name": name, "kind": entries[name].kind, **fields})
    outputs = []
    methods = [name for name, method in REGISTRY.items() if method.family != REFERENCE_FAMILY]
    for method_name in methods:
        method = get(method_name)
        params = {"size": size} if any(p.name == "size" for p in method.params) else {}
        for painting in paintings:
            for photo in photos:
                started = time.perf_counter()
                result = method.stylize(decoded[photo], decoded[painting], **params)
                fields, shown = _shipped(result.image, out / "outputs" / f"{method_name}.jpg", opaque=True)
                scores = metrics.score(shown, decoded[photo], decoded[painting])
                outputs.append({"method": method_name, "photo": photo, "painting": painting,
                                "params": json.loads(json.dumps(result.info["params"], default=str)), **fields,
                                "scores": {k: round(float(v), 5) for k, v in scores.items()}})
                print(f"{method_name} {photo} {painting}: {time.perf_counter() - started:.1f} s", flush=True)
    manifest = {"size": size, "judge": metrics.default_judge().name, "made": time.strftime("%Y-%m-%d"),
                "made_by": "python -m benchmarks.vote_pool", "images": images, "outputs": outputs}
    atomic_write(out / "manifest.json", json.dumps(manifest, indent=1) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.vote_pool", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, default=256, help="long side of every image, px (default 256)")
    p.add_argument("--photos", default=",".join(PHOTOS))
    p.add_argument("--paintings", default=",".join(PAINTINGS))
    args = p.parse_args(argv)
    known = {entry.name for entry in imageset.CONTENTS + imageset.STYLES}
    photos, paintings = args.photos.split(","), args.paintings.split(",")
    unknown = [name for name in photos + paintings if name not in known]
    if unknown or not 64 <= args.size <= 512:
        print(f"error: unknown image {', '.join(unknown)}" if unknown else "error: --size: use 64 to 512",
              file=sys.stderr)
        return 2
    manifest = build(args.size, photos, paintings)
    total = sum((POOL / row["file"]).stat().st_size for row in manifest["images"] + manifest["outputs"])
    print(f"{len(manifest['outputs'])} outputs, {total / 1e6:.2f} MB in {POOL}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
