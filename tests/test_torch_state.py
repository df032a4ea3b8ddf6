import zipfile

import numpy as np
import pytest

from methods.core import weights
from methods.cyclegan.checkpoints import CheckpointError, load_state_dict


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


@pytest.fixture(scope="module")
def torch_formats():
    """One state dict written by real torch in both formats (tests/fixtures/make_torch_formats.py)."""
    return dict(np.load(weights.PROJECT_ROOT / "tests" / "fixtures" / "torch_formats.npz"))


@pytest.mark.parametrize("fmt", ["zip", "legacy"])
def test_reads_both_torch_save_formats(torch_formats, fmt, tmp_path):
    path = tmp_path / f"{fmt}.pth"
    path.write_bytes(torch_formats[f"file/{fmt}"].tobytes())
    state = load_state_dict(path)
    expected = {k.split("/", 1)[1]: v for k, v in torch_formats.items() if k.startswith("expected/")}
    assert list(state) == list(expected)
    for name, value in expected.items():
        assert state[name].dtype == value.dtype and state[name].shape == value.shape, name
        np.testing.assert_array_equal(state[name], value, err_msg=name)


def test_refuses_a_tensor_reaching_outside_its_storage(torch_formats, tmp_path):
    raw = torch_formats["file/legacy"].tobytes()
    # the 3x2x3x3 convolution's size, as pickled: enlarge its first dimension past its storage
    assert raw.count(b"K\x03K\x02K\x03K\x03") == 1
    path = tmp_path / "overreach.pth"
    path.write_bytes(raw.replace(b"K\x03K\x02K\x03K\x03", b"K\x09K\x02K\x03K\x03"))
    with pytest.raises(CheckpointError, match="reaches element"):
        load_state_dict(path)


def test_refuses_a_file_that_is_no_checkpoint(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_bytes(b"just some text, not a checkpoint")
    with pytest.raises(CheckpointError, match="notes.pth"):
        load_state_dict(path)
