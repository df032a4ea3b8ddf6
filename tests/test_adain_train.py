"""python -m methods.adain.train on tiny crops: the losses fall, a run resumes (with the identity loss
added), the export loads and keeps the card's findings, and eval images are refused."""
import json

import numpy as np
import pytest

from methods.adain import train as adain_train
from methods.adain.model import read_decoder
from methods.core import manifest as imageset
from methods.core import weights

PHOTOS = [str(imageset.SHARED_MIRROR / "train" / "photos" / f"kodim0{n}.png") for n in (1, 2, 3)]
STYLE = "skimage:immunohistochemistry"  # a textured image outside the eval set


@pytest.mark.slow
def test_training_lowers_the_losses_resumes_and_exports(tmp_path):
    run, export = tmp_path / "run", tmp_path / "decoder.npz"
    common = ["--content", *PHOTOS, "--style", STYLE, "--out", str(run), "--crop", "64", "--batch", "2",
              "--max-side", "256", "--checkpoint-every", "20", "--sample-every", "1000", "--no-progress"]
    assert adain_train.main([*common, "--steps", "40"]) == 0
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [entry["step"] for entry in log] == [20, 40]
    assert log[1]["total"] < 0.5 * log[0]["total"]  # means over steps 1-20, then 21-40
    assert log[1]["content"] < log[0]["content"] and log[1]["style"] < log[0]["style"]

    # a re-export keeps the card's hand-written findings and drops the old decoder's figures
    old_card = f"OLD-TITLE\n{adain_train.CHOICES}\n- kept finding\n\n{adain_train.MEASURED}\nOLD-FIGURES\n"
    weights.card_path(export).write_text(old_card)
    # the resumed run adds the identity loss, as a fine-tune from a checkpoint would
    assert adain_train.main([*common, "--steps", "50", "--identity-weight", "1", "--export", str(export)]) == 0
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert log[-1]["step"] == 50 and log[-1]["run_start"] == 40  # resumed, not restarted
    last = log[-1]
    assert 0 < last["identity"] and abs(last["total"] - last["content"] - 10 * last["style"] - last["identity"]) < 1e-2
    text = weights.card_path(export).read_text()
    assert "| identity |" in text and f"{adain_train.CHOICES}\n- kept finding\n" in text
    assert adain_train.MEASURED not in text and "OLD-" not in text
    card = weights.read_front_matter(weights.card_path(export))
    assert card["training_images"] == ["kodim01", "kodim02", "kodim03", STYLE] and card["held_out"] is True
    decoder = read_decoder(export)
    features = np.random.default_rng(0).random((1, 4, 6, 512), dtype=np.float32)
    assert np.asarray(decoder(features)).shape == (1, 32, 48, 3)


def test_eval_photos_are_refused(tmp_path, capsys):
    code = adain_train.main(["--content", str(imageset.SHARED_MIRROR / "contents" / "kodim05.png"), "--style", STYLE,
                             "--out", str(tmp_path / "run"), "--steps", "1"])
    assert code == 2 and "kodim05" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_a_run_starts_from_the_shipped_decoder_and_logs_the_optional_terms(tmp_path):
    run, export = tmp_path / "run", tmp_path / "decoder.npz"
    shipped = weights.resolve("adain_decoder").path
    assert adain_train.main(["--content", *PHOTOS, "--style", STYLE, "--out", str(run), "--crop", "32", "--batch", "1",
                             "--max-side", "128", "--steps", "1", "--lr", "0", "--tv-weight", "100",
                             "--structure-weight", "2", "--init", str(shipped), "--sample-every", "1000",
                             "--no-progress", "--export", str(export)]) == 0
    with np.load(shipped) as before, np.load(export) as after:  # learning rate 0: the shipped weights, unchanged
        names = [name for name in before.files if name.startswith("w")]
        assert names and all(np.array_equal(before[name], after[name]) for name in names)
    entry = json.loads((run / "log.jsonl").read_text().splitlines()[-1])
    assert entry["smoothness"] > 0 and entry["structure"] > 0
    rest = entry["total"] - entry["content"] - 10 * entry["style"] - 100 * entry["smoothness"] - 2 * entry["structure"]
    assert abs(rest) < 1e-2 * entry["total"]
