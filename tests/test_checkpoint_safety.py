"""The torch checkpoint reader against hostile files: checkpoints pickled as torch.save pickles
them, written here without torch, that claim huge tensors, hide a zip bomb or are malformed. Each is
refused with a CheckpointError naming the file, before anything large is allocated."""
import io
import pickle
import struct
import sys
import tracemalloc
import types
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from methods.cyclegan.checkpoints import LEGACY_MAGIC, LEGACY_PROTOCOL, CheckpointError, load_state_dict


class _Storage:
    def __init__(self, key, count):
        self.key, self.count = key, count


class _Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, OrderedDict())

    def __reduce__(self):
        return sys.modules["torch._utils"]._rebuild_tensor_v2, self.args


def state_pickle(tensors: dict, legacy: bool = False) -> bytes:
    """A state dict pickled as torch.save pickles one, written without torch: stand-in torch
    modules exist only while pickling, so the references are the real names."""
    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called here")

    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    FloatStorage = type("FloatStorage", (), {"__module__": "torch"})  # noqa: N806 (a class)
    utils._rebuild_tensor_v2, torch.FloatStorage, torch._utils = _rebuild_tensor_v2, FloatStorage, utils

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _Storage):
                return ("storage", FloatStorage, obj.key, "cpu", obj.count) + ((None,) if legacy else ())
            return None

    saved = {name: sys.modules.get(name) for name in ("torch", "torch._utils")}
    sys.modules.update({"torch": torch, "torch._utils": utils})
    try:
        buffer = io.BytesIO()
        Pickler(buffer, protocol=2).dump(OrderedDict(tensors))
        return buffer.getvalue()
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def torch_zip(path: Path, tensors: dict, storages: dict, compression=zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        archive.writestr("archive/data.pkl", state_pickle(tensors))
        archive.writestr("archive/byteorder", "little")
        for key, raw in storages.items():
            archive.writestr(f"archive/data/{key}", raw)
    return path


def torch_legacy(path: Path, tensors: dict, storages: dict[str, tuple[int, bytes]]) -> Path:
    parts = [pickle.dumps(value, protocol=2) for value in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"little_endian": True})]
    parts += [state_pickle(tensors, legacy=True), pickle.dumps(list(storages), protocol=2)]
    parts += [struct.pack("<q", count) + raw for count, raw in storages.values()]
    path.write_bytes(b"".join(parts))
    return path


def load_peak(path: Path) -> tuple[Exception | None, int]:
    """(the error loading raised, peak bytes Python and numpy allocated meanwhile)."""
    tracemalloc.start()
    try:
        load_state_dict(path)
        error = None
    except Exception as raised:  # noqa: BLE001 - returned for the test to judge
        error = raised
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return error, peak


def test_the_hand_made_checkpoints_read_as_real_ones(tmp_path):
    values = np.arange(6, dtype=np.float32)
    tensors = {"conv.weight": _Tensor(_Storage("0", 6), 0, (2, 3), (3, 1))}
    for path in (torch_zip(tmp_path / "z.pth", tensors, {"0": values.tobytes()}),
                 torch_legacy(tmp_path / "l.pth", tensors, {"0": (6, values.tobytes())})):
        np.testing.assert_array_equal(load_state_dict(path)["conv.weight"], values.reshape(2, 3))


def test_a_small_checkpoint_cannot_make_the_reader_allocate_much(tmp_path):
    one = np.ones(1, np.float32).tobytes()
    stride0 = torch_zip(tmp_path / "stride0.pth", {"w": _Tensor(_Storage("0", 1), 0, (2**28,), (0,))}, {"0": one})
    assert stride0.stat().st_size < 1000  # it would become a 1 GB array
    bomb = torch_zip(tmp_path / "bomb.pth", {"w": _Tensor(_Storage("0", 1), 0, (1,), (1,))},
                     {"0": bytes(32 << 20)}, compression=zipfile.ZIP_DEFLATED)
    assert bomb.stat().st_size < 100_000  # 32 MB inside
    claims = torch_zip(tmp_path / "claims.pth", {"w": _Tensor(_Storage("0", 2**30), 0, (1,), (1,))}, {"0": one})
    legacy = torch_legacy(tmp_path / "legacy.pth", {"w": _Tensor(_Storage("0", 1), 0, (1,), (1,))},
                          {"0": (2**40, one)})
    for path, says in ((stride0, "stride-0"), (bomb, "zip bomb"), (claims, "claims"), (legacy, "claims")):
        error, peak = load_peak(path)
        assert type(error) is CheckpointError and says in str(error) and path.name in str(error), (path, error)
        assert peak < 8 << 20, (path.name, peak)  # refused before allocating


def test_every_malformed_checkpoint_is_a_checkpoint_error_naming_the_file(tmp_path):
    four = np.ones(4, np.float32).tobytes()
    cases = {
        "odd_bytes": ({"w": _Tensor(_Storage("0", 1), 0, (1,), (1,))}, {"0": b"\x00" * 5}),
        "ranks": ({"w": _Tensor(_Storage("0", 4), 0, (2, 2), (2,))}, {"0": four}),
        "text_size": ({"w": _Tensor(_Storage("0", 4), 0, ("two",), (1,))}, {"0": four}),
        "no_data": ({"w": _Tensor(_Storage("0", 4), 0, (4,), (1,))}, {}),
        "negative": ({"w": _Tensor(_Storage("0", 4), 0, (-4,), (1,))}, {"0": four}),
    }
    for name, (tensors, storages) in cases.items():
        with pytest.raises(CheckpointError) as error:
            load_state_dict(torch_zip(tmp_path / f"{name}.pth", tensors, storages))
        assert type(error.value) is CheckpointError and f"{name}.pth" in str(error.value)
        assert str(tmp_path) not in str(error.value)  # the file's name, not the server's folders
