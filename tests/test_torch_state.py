import zipfile

import numpy as np
import pytest

from methods import weights
from methods.torch_state import CheckpointError, load_state_dict


def test_refuses_a_pickle_that_calls_os_system(tmp_path):
    payload = b"cos\nsystem\n(S'echo pwned'\ntR."  # protocol 0: os.system("echo pwned")
    path = tmp_path / "evil.pth"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("evil/data.pkl", payload)
        archive.writestr("evil/byteorder", "little")
    with pytest.raises(CheckpointError, match="os.system"):
        load_state_dict(path)


def test_reads_vintagify_state_dict():
    state = load_state_dict(weights.resolve("cyclegan_vintage").path)
    assert state["model.1.weight"].shape == (64, 3, 7, 7)
    assert state["model.1.weight"].dtype == np.float32
