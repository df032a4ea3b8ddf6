"""python -m eval where the image set's originals are out of reach (no mirror folder, an empty cache, no
download): it scores the default set from the example copies the repository ships, says so on stderr and
in the report's run metadata, and its missing-image error names every way to supply an image. Real
Magenta and the real judge on tiny inputs."""
from __future__ import annotations

import html

import pandas as pd
import pytest

from eval.__main__ import main
from methods.core import manifest as imageset
from tests.test_eval_runner import FAST, report_folders

ORIGINALS = imageset.SHARED_MIRROR


@pytest.fixture
def out_of_reach(tmp_path, monkeypatch, empty_cache):
    """A machine with the repository alone: no ../shared, no $STYLEBENCH_IMAGES, an empty cache, offline.
    Returns an empty folder to give as --images-dir."""
    monkeypatch.setattr(imageset, "SHARED_MIRROR", tmp_path / "no-shared")
    monkeypatch.delenv("STYLEBENCH_IMAGES", raising=False)
    monkeypatch.setenv("STYLEBENCH_OFFLINE", "1")
    (tmp_path / "empty").mkdir()
    return tmp_path / "empty"


def test_the_quick_set_is_scored_from_the_copies_and_the_report_says_which(out_of_reach, tmp_path, capsys):
    out = tmp_path / "reports"
    argv = ["--quick", "--size", "64", "--out", str(out), *FAST]
    assert main([*argv, "--images-dir", str(out_of_reach)]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith(("note:", "warning:"))]
    assert len(notes) == 1 and notes[0].startswith("note: 2 images scored from the repository's example copies")
    assert notes[0].endswith("starry_night, great_wave. Their scores differ from the originals' (by how much: the "
                             "README's eval section), so compare them only with runs on the same copies; give "
                             "--images-dir for the originals")
    copied, = report_folders(out)
    for page in ("summary.md", "report.html"):  # the run's metadata, whatever its layout
        text = html.unescape((copied / page).read_text())
        assert "images from copies" in text and "2 images scored from the repository's example copies" in text
        assert "starry_night, great_wave" in text, page
    from_copies = pd.read_csv(copied / "results.csv")
    assert len(from_copies) == 12 and (from_copies["status"] == "ok").all()

    # the originals, where they can be had, come first: other pixels, other cache keys, close scores
    assert main([*argv, "--images-dir", str(ORIGINALS)]) == 0
    assert "note:" not in capsys.readouterr().err
    original = report_folders(out)[-1]
    assert "none: every image from its original" in (original / "summary.md").read_text()
    from_originals = pd.read_csv(original / "results.csv")
    assert not from_originals["cached"].any() and not set(from_originals["key"]) & set(from_copies["key"])
    pairs = ["method", "content", "style"]
    both = from_copies.merge(from_originals, on=pairs, suffixes=("_copy", "_original"))
    magenta = both[both["method"] == "magenta"]
    for score in ("style_gain", "ssim"):  # the ratios swing more at 64 px, where a loss can be near 0
        gap = (magenta[f"{score}_copy"] - magenta[f"{score}_original"]).abs()
        assert 0 < gap.max() < 0.05, (score, gap.tolist())


def test_an_image_beyond_reach_is_named_with_every_way_to_supply_it(out_of_reach, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(imageset, "EXAMPLE_COPIES", tmp_path / "no-copies")
    assert main(["--quick", "--out", str(tmp_path / "reports"), "--images-dir", str(out_of_reach), *FAST]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: no style image could be loaded: image starry_night (starry_night.jpg) not found")
    for way in ("--images-dir DIR", "$STYLEBENCH_IMAGES", "DIR/styles/starry_night.jpg", str(out_of_reach),
                str(imageset.cache_dir()), imageset.MANIFEST["starry_night"].url, "downloads are off"):
        assert way in error, way


def test_a_copy_serves_only_readers_within_its_size(out_of_reach, tmp_path, capsys):
    """Paintings' copies are 512 px: an eval at 768 px needs the originals, and says where to put them."""
    assert main(["--quick", "--size", "768", "--out", str(tmp_path / "reports"), *FAST,
                 "--images-dir", str(out_of_reach)]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: no style image could be loaded: image starry_night (starry_night.jpg) not "
                            "found: put it in a mirror folder")
