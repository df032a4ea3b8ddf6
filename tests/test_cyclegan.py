from pathlib import Path

import numpy as np

from methods import cyclegan

FIXTURE = Path(__file__).parent / "fixtures" / "cyclegan_vintage_reference.npz"


def test_converted_vintage_reproduces_pytorch_reference():
    reference = np.load(FIXTURE)
    generator, source = cyclegan.load_generator("vintage")
    output = cyclegan.translate(generator, reference["input"])
    assert np.abs(output - reference["output"]).max() < 1e-4


def test_training_writes_a_checkpoint_and_resumes(tmp_path):
    import json

    from methods import cyclegan_train

    common = ["--domain-a", "skimage:astronaut", "--domain-b", "skimage:coffee", "--out", str(tmp_path / "run"),
              "--crop", "32", "--ngf", "8", "--n-blocks", "2", "--ndf", "8", "--no-progress",
              "--checkpoint-every", "2", "--sample-every", "2"]
    assert cyclegan_train.main([*common, "--steps", "2"]) == 0
    state = json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())
    assert state["step"] == 2
    assert cyclegan_train.main([*common, "--steps", "3", "--export", str(tmp_path / "g.weights.h5")]) == 0
    assert json.loads((tmp_path / "run" / "checkpoint" / "state.json").read_text())["step"] == 3
    assert (tmp_path / "g.weights.h5").is_file() and (tmp_path / "run" / "samples" / "step_000002.png").is_file()
