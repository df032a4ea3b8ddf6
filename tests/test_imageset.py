"""The image-set manifest against the real files: shared mirror, scikit-image wheel, a local
HTTP server standing in for the upstream host (real download code, real hash check)."""
from __future__ import annotations

import bz2
import dataclasses
import functools
import hashlib
import http.server
import json
import re
import shutil
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
import skimage

from methods.core import files, manifest
from methods.core.images import load_image

SKIMAGE_FILES = Path(skimage.__file__).parent / "data"


@pytest.fixture
def http_folder(tmp_path):
    """Serve tmp_path/www over HTTP on localhost; yields (folder, base URL)."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_manifest_has_the_set_with_full_provenance():
    assert [e.name for e in manifest.CONTENTS] == [
        "astronaut", "chelsea", "coffee", "rocket", "motorcycle_left", "kodim05", "kodim13", "kodim22",
        "hubble_deep_field", "tidal_basin_monument", "aircraft_plant_1942", "lcac_norfolk", "hospital_drill"]
    assert [e.name for e in manifest.STYLES] == [
        "starry_night", "great_wave", "the_scream", "composition_vii", "shipwreck", "water_lilies",
        "street_berlin_kirchner", "landscape_cross", "tableau_no2_mondrian", "sailboat_fireworks_homer",
        "foxfires_oji_hiroshige", "calling_of_st_matthew_caravaggio", "harbour_large_tower_claude",
        "drowned_woman_perov"]
    for entry in manifest.MANIFEST.values():
        assert entry.title and entry.author and entry.licence, entry
        assert entry.url.startswith("https://") and len(entry.sha256) == 64, entry


def test_the_quick_run_keeps_its_two_wheel_photos_and_two_paintings():
    assert manifest.QUICK_CONTENTS == ("astronaut", "chelsea")
    assert manifest.QUICK_STYLES == ("starry_night", "great_wave")
    assert all(manifest.MANIFEST[name].skimage for name in manifest.QUICK_CONTENTS)


def _mirror_sha256() -> set[str]:
    """The sha256 column of ../shared/imageset/SOURCES.md: the files every machine's mirror holds."""
    return set(re.findall(r"\|\s*`?([0-9a-f]{64})`?\s*\|", (manifest.SHARED_MIRROR / "SOURCES.md").read_text()))


# ../shared/imageset holds the images its SOURCES.md lists, on every machine. The other eval images were
# added from GitHub repositories: a machine gets their originals by download into the cache (or from a
# mirror folder of its own), and the repository ships only their small example copies (assets/examples).
MIRRORED = _mirror_sha256()
SHARED_SET = [entry for entry in manifest.CONTENTS + manifest.STYLES + manifest.TRAIN_PHOTOS
              if entry.sha256 in MIRRORED]
EXAMPLE_COPIES = Path(__file__).resolve().parents[1] / "assets" / "examples"


def test_every_file_the_mirror_lists_is_a_manifest_entry():
    assert MIRRORED <= {entry.sha256 for entry in manifest.MANIFEST.values()}
    # the six original paintings, the three Kodak eval photos and the 17 Kodak train photos at least
    assert sum(entry.split == "eval" for entry in SHARED_SET) >= 9
    assert {entry.name for entry in manifest.TRAIN_PHOTOS} <= {entry.name for entry in SHARED_SET}


def test_manifest_sha256_match_the_mirror_and_the_scikit_image_files():
    for entry in SHARED_SET:
        path = manifest.locate(entry, mirrors=[manifest.SHARED_MIRROR], download=False)
        assert path == manifest.SHARED_MIRROR / entry.folder / entry.filename
        assert files.file_digest(path) == entry.sha256, entry.name
    for entry in manifest.MANIFEST.values():
        if entry.skimage:
            assert files.file_digest(SKIMAGE_FILES / entry.filename) == entry.sha256, entry.name


def test_every_image_loads_as_float_rgb():
    for entry in SHARED_SET:
        image = manifest.load(entry, 64, mirrors=[manifest.SHARED_MIRROR])
        assert image.dtype.name == "float32" and image.shape[2] == 3 and max(image.shape[:2]) == 64


def test_every_eval_image_is_verified_from_the_wheel_the_mirror_or_its_example_copy_and_loads_at_the_eval_size():
    """Each eval image is in the scikit-image wheel or ../shared/imageset with its sha256; an image the mirror
    does not list has an example copy whose manifest.json row names the original's URL and sha256 (the copy
    was made from the hash-checked original) and whose own sha256 holds. Each loads at the protocol's 256 px."""
    copies = {row["name"]: row for row in json.loads((EXAMPLE_COPIES / "manifest.json").read_text())}
    for entry in manifest.CONTENTS + manifest.STYLES:
        if entry.skimage:
            assert files.file_digest(SKIMAGE_FILES / entry.filename) == entry.sha256, entry.name
            image = manifest.load(entry, 256)
        elif entry.sha256 in MIRRORED:
            assert files.file_digest(manifest.SHARED_MIRROR / entry.folder / entry.filename) == entry.sha256
            image = manifest.load(entry, 256, mirrors=[manifest.SHARED_MIRROR])
        else:
            row = copies[entry.name]
            assert (row["source_url"], row["source_sha256"]) == (entry.url, entry.sha256), entry.name
            assert files.file_digest(EXAMPLE_COPIES / row["file"]) == row["sha256"], entry.name
            image = load_image(EXAMPLE_COPIES / row["file"], 256)
        assert image.dtype.name == "float32" and image.shape[2] == 3 and max(image.shape[:2]) == 256, entry.name
        assert 0.0 <= image.min() and image.max() <= 1.0 and image.std() > 0.02, entry.name  # a picture, not a blank


def test_a_file_with_the_wrong_hash_is_refused(tmp_path, empty_cache):
    entry = manifest.MANIFEST["great_wave"]
    good = manifest.locate(entry, download=False)
    (tmp_path / "styles").mkdir()
    damaged = bytearray(good.read_bytes())
    damaged[-100] ^= 0xFF
    (tmp_path / "styles" / entry.filename).write_bytes(bytes(damaged))
    with pytest.raises(manifest.ImageSetError, match="sha256.*refusing"):
        manifest.locate(entry, mirrors=[tmp_path], download=False)


def test_a_missing_file_names_itself_and_how_to_get_it(tmp_path, empty_cache):
    entry = manifest.MANIFEST["kodim13"]
    with pytest.raises(manifest.ImageSetError) as error:
        manifest.locate(entry, mirrors=[tmp_path], download=False)
    assert "kodim13.png" in str(error.value) and entry.url in str(error.value) and entry.sha256 in str(error.value)


def test_the_cache_serves_after_a_verified_download(http_folder, empty_cache):
    folder, base = http_folder
    real = manifest.MANIFEST["shipwreck"]
    shutil.copy(manifest.locate(real, download=False), folder / "ship.jpg")
    entry = dataclasses.replace(real, url=f"{base}/ship.jpg")
    path = manifest.locate(entry, mirrors=[], download=True)
    assert path == empty_cache / "shipwreck.jpg" and files.file_digest(path) == real.sha256
    (folder / "ship.jpg").unlink()  # the cache alone now serves it
    assert manifest.locate(entry, mirrors=[], download=True) == path


def test_a_download_with_the_wrong_hash_is_refused_and_not_cached(http_folder, empty_cache):
    folder, base = http_folder
    (folder / "fake.jpg").write_bytes(b"not the painting")
    entry = dataclasses.replace(manifest.MANIFEST["the_scream"], url=f"{base}/fake.jpg")
    with pytest.raises(manifest.ImageSetError, match="sha256"):
        manifest.locate(entry, mirrors=[], download=True)
    assert not list(empty_cache.iterdir())


def test_a_validation_photo_comes_from_its_installed_package_offline(empty_cache):
    entry = manifest.MANIFEST["grace_hopper"]
    path = manifest.locate(entry, mirrors=[], download=False)
    assert "matplotlib" in path.parts and files.file_digest(path) == entry.sha256
    image = manifest.load(entry, 64, mirrors=[])
    assert image.dtype.name == "float32" and image.shape[2] == 3 and max(image.shape[:2]) == 64


def test_a_photo_inside_a_pinned_wheel_is_downloaded_checked_and_unpacked(http_folder, empty_cache):
    """The raccoon ships in scipy 1.9's wheel as bz2-compressed pixels: here a wheel-shaped zip holding
    such pixels, served over HTTP; its archive hash is checked, the member read out and decoded."""
    folder, base = http_folder
    pixels = (np.arange(16 * 24 * 3) % 251).astype(np.uint8).reshape(16, 24, 3)
    member = bz2.compress(pixels.tobytes())
    with zipfile.ZipFile(folder / "pkg.whl", "w") as archive:
        archive.writestr("pkg/face.dat", member)
    entry = dataclasses.replace(manifest.MANIFEST["raccoon"], url=f"{base}/pkg.whl", raw_shape=(16, 24, 3),
                                sha256=hashlib.sha256(member).hexdigest(),
                                archive_sha256=files.file_digest(folder / "pkg.whl"), member="pkg/face.dat")
    bad = dataclasses.replace(entry, archive_sha256="0" * 64)
    with pytest.raises(manifest.ImageSetError, match="sha256"):
        manifest.locate(bad, mirrors=[], download=True)
    assert not list(empty_cache.iterdir())
    assert manifest.locate(entry, mirrors=[], download=True) == empty_cache / "face.dat"
    image = manifest.load(entry, None, mirrors=[])
    assert image.shape == (16, 24, 3) and np.allclose(image * 255, pixels, atol=0.5)


def test_own_folders_and_unknown_names(tmp_path):
    shutil.copy(manifest.locate(manifest.MANIFEST["kodim22"], download=False), tmp_path / "barn.png")
    (tmp_path / "notes.txt").write_text("not an image")
    entries = manifest.folder_entries(tmp_path, "content")
    assert [e.name for e in entries] == ["barn"] and manifest.load(entries[0], 32).shape == (21, 32, 3)
    with pytest.raises(manifest.ImageSetError, match="no such folder"):
        manifest.folder_entries(tmp_path / "nope", "style")
    with pytest.raises(manifest.ImageSetError, match="unknown style image mona_lisa"):
        manifest.select(["starry_night", "mona_lisa"], "style")


# --- the train paintings: provenance and the rules they were chosen by ---------------------------

RAW_URL = re.compile(r"https://raw\.githubusercontent\.com/([\w.-]+/[\w.-]+)/([0-9a-f]{40})/(\S+)")
# The eval paintings and the reserved ones, in any version or crop, may not be trained on.
RESERVED_TITLES = ("udnie", "woman with a hat", "grande jatte", "sunday afternoon", "crystal vase")
FORBIDDEN_TITLES = ("starry night", "great wave", "scream", "shipwreck", "water lil", "nymph", r"composition vii\b",
                    r"street, berlin", r"paysage", r"tableau no\. 2", "fourth of july", "foxfires",
                    "calling of saint matthew", "grosse tour|large tower", "drowned woman|utoplennitsa",
                    *RESERVED_TITLES)


def test_every_train_painting_has_pinned_provenance():
    entries = manifest.TRAIN_PAINTINGS
    assert 40 <= len(entries) <= 80
    names = [e.name for e in entries]
    assert len(set(names)) == len(names) and len({e.sha256 for e in entries}) == len(entries)
    assert not set(names) & {e.name for e in manifest.CONTENTS + manifest.STYLES + manifest.TRAIN_PHOTOS}
    assert not set(names) & set(manifest.RESERVED)
    assert not {e.sha256 for e in entries} & {e.sha256 for e in manifest.CONTENTS + manifest.STYLES}
    for entry in entries:
        assert (entry.kind, entry.split, entry.folder) == ("style", "train", "train/paintings"), entry.name
        assert re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", entry.name), entry.name
        assert entry.title and entry.licence == manifest.PUBLIC_DOMAIN_ART, entry.name
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry.name
        match = RAW_URL.fullmatch(entry.url)
        assert match, entry.url
        repo, commit, path = match.groups()
        assert entry.filename == entry.name + Path(path).suffix and entry.filename.lower().endswith(
            manifest.IMAGE_SUFFIXES), entry.name
        assert manifest._reserved_stem(entry.filename) is None, entry.name


def test_every_train_painting_is_public_domain_and_not_an_eval_or_reserved_work():
    for entry in manifest.TRAIN_PAINTINGS:
        death = int(re.fullmatch(r".+ \((?:c\. )?\d{4}-(\d{4})\)", entry.author).group(1))
        painted = int(re.search(r"\b(\d{4})\b", entry.title).group(1))
        assert death < 1955 and painted < 1929, entry.name
        assert not any(re.search(pattern, entry.title.lower()) for pattern in FORBIDDEN_TITLES), entry.name


def test_the_train_paintings_in_the_mirror_match_their_sha256():
    folder = manifest.SHARED_MIRROR / "train" / "paintings"
    present = [entry for entry in manifest.TRAIN_PAINTINGS if (folder / entry.filename).is_file()]
    for entry in present:
        assert files.file_digest(folder / entry.filename) == entry.sha256, entry.name
        assert manifest.entry_for_file(folder / entry.filename) == entry
    if folder.is_dir():  # every image there is in the manifest
        known = {entry.filename for entry in manifest.TRAIN_PAINTINGS}
        assert {p.name for p in folder.iterdir() if p.suffix.lower() in manifest.IMAGE_SUFFIXES} <= known


# --- the eval split: provenance, and no image of another split or a reserved one ------------------
PINNED_URL = re.compile(r"https://(raw\.githubusercontent\.com/[\w.-]+/[\w.-]+/[0-9a-f]{40}|"
                        r"gitlab\.com/scikit-image/data/-/raw/[0-9a-f]{40})/\S+")


def test_every_eval_entry_has_a_pinned_url_sha256_licence_and_author():
    entries = manifest.CONTENTS + manifest.STYLES
    assert len(manifest.CONTENTS) >= 12 and len(manifest.STYLES) >= 12
    assert len({e.name for e in entries}) == len({e.sha256 for e in entries}) == len(entries)
    for entry in entries:
        assert (entry.split, entry.folder) == ("eval", f"{entry.kind}s"), entry.name
        assert PINNED_URL.fullmatch(entry.url), entry.url
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry.name
        assert entry.title and entry.author and entry.licence, entry.name
        assert entry.filename.lower().endswith(manifest.IMAGE_SUFFIXES), entry.name
    for entry in manifest.STYLES:  # where the author carries the years, the public-domain rule is checked
        assert entry.licence == manifest.PUBLIC_DOMAIN_ART, entry.name
        if years := re.fullmatch(r".+\((?:.*, )?(?:c\. )?\d{4}-(\d{4})\)", entry.author):
            assert int(years.group(1)) < 1955 and int(re.search(r"\b(\d{4})\b", entry.title).group(1)) < 1929


def test_no_eval_entry_is_a_train_validation_or_reserved_image_by_name_or_by_bytes():
    """Names and sha256 against the train and validation entries; the reserved images have no pinned bytes
    (nothing may fetch them), so they are kept out by name, file name and title."""
    evals = manifest.CONTENTS + manifest.STYLES
    others = manifest.TRAIN_PHOTOS + manifest.TRAIN_PAINTINGS + manifest.VALIDATION_PHOTOS
    assert not {e.name for e in evals} & {e.name for e in others}
    assert not {e.filename for e in evals} & {e.filename for e in others}
    assert not {e.sha256 for e in evals} & {e.sha256 for e in others}
    assert not {e.skimage for e in evals if e.skimage} & {e.skimage for e in others if e.skimage}
    for entry in evals:
        assert entry.name not in manifest.RESERVED and manifest.split_of(entry.name) == "eval", entry.name
        assert manifest._reserved_stem(entry.filename) is None, entry.name
        assert not any(re.search(title, entry.title.lower()) for title in RESERVED_TITLES), entry.name
        if entry.sha256 in MIRRORED:  # a training command would recognise the file as this eval image
            assert manifest.entry_for_file(manifest.SHARED_MIRROR / entry.folder / entry.filename) == entry


# --- the repository's copies: one mechanism for the train photos and the eval images -------------

def test_an_eval_image_out_of_reach_is_read_from_its_copy_by_a_reader_within_its_size_only(empty_cache,
                                                                                           monkeypatch):
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    for entry, side in ((manifest.MANIFEST["kodim13"], 768), (manifest.MANIFEST["the_scream"], 512)):
        assert max(manifest.read(entry, side, mirrors=[], copies=True)[0].shape) == side
        pixels, source = manifest.read(entry, 256, mirrors=[], copies=True)
        original, served = manifest.read(entry, 256, mirrors=[manifest.SHARED_MIRROR], copies=True)
        assert (source, served) == ("copy", "mirror") and pixels.shape == original.shape, entry.name
        assert 0 < np.abs(pixels - original).mean() < 3 / 255, entry.name  # JPEG at quality 88, two resamplings
        with pytest.raises(manifest.ImageSetError, match="not found: put it in a mirror folder"):
            manifest.read(entry, side + 1, mirrors=[], copies=True)  # the copy has less than this reader wants
        with pytest.raises(manifest.ImageSetError, match="not found"):
            manifest.load(entry, side, mirrors=[])  # a reader that did not ask for copies
        with pytest.raises(manifest.ImageSetError, match="not found"):
            manifest.locate(entry, mirrors=[])  # the full image, as every training command reads it
        assert manifest.locate(entry, mirrors=[], max_side=256).is_relative_to(manifest.EXAMPLE_COPIES)
    photo = manifest.MANIFEST["kodim13"]
    assert manifest.locate(photo, max_side=256) == manifest.SHARED_MIRROR / "contents" / photo.filename


def test_the_original_comes_first_and_a_copy_stands_in_only_when_its_download_fails(http_folder, empty_cache,
                                                                                      monkeypatch):
    monkeypatch.delenv("STYLEBENCH_OFFLINE", raising=False)  # CI turns downloads off; this one is local
    folder, base = http_folder
    real = manifest.MANIFEST["shipwreck"]
    shutil.copy(manifest.locate(real, download=False), folder / "ship.jpg")
    entry = dataclasses.replace(real, url=f"{base}/ship.jpg")
    assert manifest.read(entry, 256, mirrors=[], copies=True)[1] == "download"
    (folder / "ship.jpg").unlink()
    (empty_cache / entry.filename).unlink()
    assert manifest.read(entry, 256, mirrors=[], copies=True)[1] == "copy"  # the server answers 404
    with pytest.raises(manifest.ImageSetError, match="could not download"):
        manifest.read(entry, 513, mirrors=[], copies=True)  # no copy that large: the download's failure


def test_a_damaged_copy_is_refused(empty_cache, monkeypatch, tmp_path):
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    copies = tmp_path / "examples"
    shutil.copytree(EXAMPLE_COPIES, copies)
    damaged = bytearray((copies / "styles" / "great_wave.jpg").read_bytes())
    damaged[-100] ^= 0xFF
    (copies / "styles" / "great_wave.jpg").write_bytes(bytes(damaged))
    monkeypatch.setattr(manifest, "EXAMPLE_COPIES", copies)
    with pytest.raises(manifest.ImageSetError, match=f"refusing it \\(rebuild it with {copies}/make_copies.py"):
        manifest.read(manifest.MANIFEST["great_wave"], 256, mirrors=[], copies=True)
    assert manifest.read(manifest.MANIFEST["water_lilies"], 256, mirrors=[], copies=True)[1] == "copy"
    assert manifest.example_copy(manifest.MANIFEST["great_wave"]) is None  # the app leaves a damaged copy out
    assert manifest.example_copy(manifest.MANIFEST["water_lilies"]) == copies / "styles" / "water_lilies.jpg"


def test_training_commands_refuse_the_copies_even_renamed(tmp_path):
    renamed = tmp_path / "my_painting.jpg"
    shutil.copy(EXAMPLE_COPIES / "styles" / "starry_night.jpg", renamed)
    assert manifest.card_name(renamed) == "starry_night"  # recognised by its bytes: an eval image
    train_copy = manifest.TRAIN_PHOTO_COPIES / "kodim01.jpg"
    for specs in ([renamed], [train_copy], [EXAMPLE_COPIES / "contents"]):
        refusal = manifest.training_refusal(specs, allow_eval=True)
        assert refusal and refusal.startswith("refusing the repository's reduced"), specs
    assert manifest.training_refusal([manifest.SHARED_MIRROR / "train" / "photos" / "kodim01.png"]) is None
