from pathlib import Path

import numpy as np

from methods import cyclegan

FIXTURE = Path(__file__).parent / "fixtures" / "cyclegan_vintage_reference.npz"


def test_converted_vintage_reproduces_pytorch_reference():
    reference = np.load(FIXTURE)
    generator, source = cyclegan.load_generator("vintage")
    output = cyclegan.translate(generator, reference["input"])
    assert np.abs(output - reference["output"]).max() < 1e-4
