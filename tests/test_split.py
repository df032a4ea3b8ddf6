"""The train/eval split: the manifest's splits against the shared mirror, the model cards' honesty
about what they trained on, and the training commands refusing eval and reserved images."""
from __future__ import annotations

import pytest

from methods.core import files, manifest, weights
from methods.cyclegan import train as cyclegan_train
from methods.vae import train as vae_train

CARDS = sorted(weights.card_path(path) for pattern in ("*.weights.h5", "*.npz")
               for path in (weights.PROJECT_ROOT / "assets").rglob(pattern) if "examples" not in path.parts)
EVAL_PHOTO = manifest.SHARED_MIRROR / "contents" / "kodim05.png"
PAINTING = manifest.SHARED_MIRROR / "styles" / "starry_night.jpg"


def test_every_entry_is_in_one_split_and_the_splits_are_disjoint():
    assert {entry.split for entry in manifest.MANIFEST.values()} == {"eval", "train", "validation"}
    eval_names = {e.name for e in manifest.CONTENTS + manifest.STYLES}
    train_names = {e.name for e in manifest.TRAIN_PHOTOS + manifest.TRAIN_PAINTINGS}
    assert all(e.split == "eval" for e in manifest.CONTENTS + manifest.STYLES)
    assert all(e.split == "train" for e in manifest.TRAIN_PHOTOS + manifest.TRAIN_PAINTINGS)
    assert len(manifest.TRAIN_PHOTOS) == 17 and not eval_names & train_names
    assert len(train_names) == len(manifest.TRAIN_PHOTOS) + len(manifest.TRAIN_PAINTINGS)
    validation_names = {e.name for e in manifest.VALIDATION_PHOTOS}
    assert all(e.split == "validation" for e in manifest.VALIDATION_PHOTOS) and len(validation_names) == 4
    assert set(manifest.MANIFEST) == eval_names | train_names | validation_names
    assert not set(manifest.RESERVED) & set(manifest.MANIFEST)
    assert [manifest.split_of(n) for n in ("kodim05", "kodim01", "kodim08", "udnie", "camera")] == \
        ["eval", "train", "reserved", "reserved", None]
    by_bytes = {}
    for entry in manifest.MANIFEST.values():  # one split per file, whatever it is called
        assert by_bytes.setdefault(entry.sha256, entry.split) == entry.split, entry.name
    assert len(by_bytes) == len(manifest.MANIFEST)


@pytest.mark.parametrize("card", CARDS, ids=lambda path: path.name)
def test_no_shipped_model_trained_on_an_eval_image(card):
    """Also scikit-image photos, which a card lists as skimage:NAME: the VAEs trained on skimage:camera, so
    the camera photo cannot be an eval image."""
    trained = set(weights.read_front_matter(card).get("training_images", ()))
    for entry in manifest.CONTENTS + manifest.STYLES:
        assert entry.name not in trained and f"skimage:{entry.skimage}" not in trained, entry.name


def test_the_default_selection_is_the_eval_split():
    assert all(e.split == "eval" for e in manifest.select(None, "content") + manifest.select(None, "style"))
    with pytest.raises(manifest.ImageSetError, match="unknown content image kodim01"):
        manifest.select(["kodim01"], "content")


def test_the_train_photos_are_in_the_shared_mirror_with_their_sha256():
    for entry in manifest.TRAIN_PHOTOS:
        path = manifest.locate(entry, mirrors=[manifest.SHARED_MIRROR], download=False)
        assert path == manifest.SHARED_MIRROR / "train" / "photos" / entry.filename
        assert files.file_digest(path) == entry.sha256 and manifest.entry_for_file(path) == entry


def test_the_train_paintings_are_trained_on_and_never_scored(tmp_path, empty_cache):
    # ../shared holds no train paintings on a fresh machine (they come from pinned GitHub commits):
    # this checks the manifest and the split rules, not the files. An empty cache, because a machine
    # that trained the VAE keeps the paintings in ~/.cache/stylebench/images.
    assert {entry.folder for entry in manifest.TRAIN_PAINTINGS} == {"train/paintings"}
    assert {entry.folder for entry in manifest.TRAIN_PHOTOS} == {"train/photos"}
    assert {manifest.split_of(entry.name) for entry in manifest.TRAIN_PAINTINGS} == {"train"}
    assert all(entry.url.startswith(manifest.GITHUB_RAW) and len(entry.sha256) == 64
               for entry in manifest.TRAIN_PAINTINGS)
    styles = manifest.select(None, "style")
    assert not {e.name for e in styles} & {e.name for e in manifest.TRAIN_PAINTINGS}
    with pytest.raises(manifest.ImageSetError, match="unknown style image"):
        manifest.select([manifest.TRAIN_PAINTINGS[0].name], "style")
    names = [e.name for e in manifest.TRAIN_PAINTINGS]
    assert manifest.card_fields(names)["held_out"] is True
    assert "reserved" in manifest.training_refusal([str(tmp_path / "udnie.jpg")])
    assert "water_lilies" in manifest.training_refusal([PAINTING.parent / "water_lilies.jpg"])
    with pytest.raises(manifest.ImageSetError, match="downloads are off|not found"):
        manifest.train_painting_paths(mirrors=[tmp_path], download=False)


def test_images_are_recognised_by_their_bytes_and_scikit_image_name(tmp_path):
    renamed = tmp_path / "holiday.png"
    renamed.write_bytes(EVAL_PHOTO.read_bytes())
    assert manifest.entry_for_file(renamed).name == "kodim05"
    assert manifest.entry_for_spec("skimage:astronaut").name == "astronaut"
    assert manifest.entry_for_spec("skimage:stereo_motorcycle").name == "motorcycle_left"
    assert manifest.entry_for_spec("skimage:camera") is None
    assert manifest.card_name("skimage:camera") == "skimage:camera"  # a sample outside the manifest
    (tmp_path / "mine.png").write_bytes(b"not in the manifest")
    assert manifest.entry_for_file(tmp_path / "mine.png") is None


def eval_images_among(names) -> list[str]:
    return [name for name in names if manifest.split_of(name) == "eval"]


def card_is_honest(fields: dict) -> bool:
    """A card listing an eval image among its training images must say it is not held out, and why."""
    if not eval_images_among(fields["training_images"]):
        return True
    return fields.get("held_out") is False and bool(fields.get("not_held_out_because"))


@pytest.mark.parametrize("card", CARDS, ids=lambda path: path.name)
def test_every_shipped_card_lists_its_training_images_and_is_honest_about_them(card):
    assert card.is_file(), f"{card} missing beside its weights"
    fields = weights.read_front_matter(card)
    assert fields.get("training_images"), f"{card}: no training_images in its front matter"
    assert card_is_honest(fields), f"{card} lists eval images but does not say it is not held out"
    assert not [name for name in fields["training_images"] if manifest.split_of(name) == "reserved"]
    if eval_images_among(fields["training_images"]):
        assert "**Not held out:**" in card.read_text()  # said in the body too, where people read it


def test_the_honesty_check_fails_a_card_that_hides_eval_images(tmp_path):
    for front in ("training_images: [kodim01, kodim05]\nheld_out: true",
                  "training_images: [kodim01, kodim05]",
                  "training_images: [kodim01, kodim05]\nheld_out: false"):
        (tmp_path / "x.md").write_text(f"---\n{front}\n---\n# a model\n")
        assert not card_is_honest(weights.read_front_matter(tmp_path / "x.md")), front
    (tmp_path / "x.md").write_text("---\ntraining_images: [kodim01, skimage:camera]  # train split\n---\n")
    assert card_is_honest(weights.read_front_matter(tmp_path / "x.md"))


def test_methods_read_what_their_project_model_trained_on():
    assert weights.training_images("cyclegan_starry_night") == tuple(e.name for e in manifest.TRAIN_PHOTOS)
    assert weights.model_card("cyclegan_starry_night")["held_out"] is True
    assert weights.model_card("cyclegan_great_wave")["target"] == "great_wave"
    assert "the_kiss_klimt" in weights.training_images("vae_generic")  # train paintings, no eval one
    assert weights.model_card("vae_generic")["held_out"] is True
    assert weights.model_card("vgg16_hed") == {} and weights.training_images("vgg16_hed") == ()


def test_the_default_vae_training_set_has_no_eval_or_reserved_image():
    names = [manifest.card_name(spec) for spec in vae_train.default_specs()]
    assert names[:17] == [e.name for e in manifest.TRAIN_PHOTOS]
    assert {manifest.split_of(name) for name in names} == {"train", None}


def refused(main, argv, capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_vae_training_refuses_eval_images_before_training(tmp_path, capsys):
    out = tmp_path / "v.weights.h5"
    err = refused(vae_train.main, ["--steps", "1", "--out", str(out), "--images", str(EVAL_PHOTO)], capsys)
    assert "kodim05" in err and "--allow-eval-images" in err
    assert "astronaut" in refused(vae_train.main, ["--out", str(out), "--images", "skimage:astronaut"], capsys)
    err = refused(vae_train.main, ["--out", str(out), "--images", str(manifest.SHARED_MIRROR / "styles")], capsys)
    assert "water_lilies" in err  # a folder is looked into
    assert not out.exists() and not weights.card_path(out).exists()


def test_cyclegan_training_refuses_eval_photos_but_takes_the_target_painting(tmp_path, capsys):
    common = ["--domain-b", str(PAINTING), "--out", str(tmp_path / "run"), "--steps", "1", "--crop", "32"]
    err = refused(cyclegan_train.main, ["--domain-a", str(EVAL_PHOTO), *common], capsys)
    assert "kodim05" in err and "--allow-eval-images" in err
    err = refused(cyclegan_train.main, ["--domain-a", "skimage:camera", str(manifest.SHARED_MIRROR / "contents"),
                                        *common], capsys)
    assert "kodim13" in err
    assert not (tmp_path / "run").exists()
    # starry_night is an eval painting, but the generator is for it: only domain A is checked
    assert manifest.training_refusal([PAINTING], allow_eval=True) is None


def test_reserved_images_are_refused_even_with_the_flag(tmp_path):
    # No reserved file exists here (and none should be fetched): a path is recognised by its name.
    reserved = str(tmp_path / "udnie.jpg")
    assert "reserved" in manifest.training_refusal([reserved], allow_eval=True)
    assert manifest.training_refusal([str(EVAL_PHOTO)], allow_eval=True) is None


def test_validation_photos_are_refused_even_with_the_flag(tmp_path, capsys):
    hopper = manifest.locate(manifest.MANIFEST["grace_hopper"], download=False)  # matplotlib ships it
    common = ["--domain-b", str(PAINTING), "--out", str(tmp_path / "run"), "--steps", "1", "--crop", "32",
              "--allow-eval-images"]
    err = refused(cyclegan_train.main, ["--domain-a", str(hopper), *common], capsys)
    assert "validation" in err and "grace_hopper" in err
    assert not (tmp_path / "run").exists()
