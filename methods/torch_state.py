"""Read PyTorch state dicts (`torch.save` zip format) into numpy arrays, without torch.

A checkpoint is untrusted input: unpickling may call any global it names. The unpickler
here resolves only the few globals a plain state dict of tensors needs and refuses every
other one, naming it; tensor bytes are read from the zip's data/ entries into numpy.
"""
from __future__ import annotations

import pickle
import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np


class CheckpointError(ValueError):
    """The file is not a plain PyTorch state dict we can read safely; the message says why."""


# torch storage class name -> numpy dtype of its elements (little-endian, as torch writes them)
STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": None,  # numpy has no bfloat16: refused with a clear message below
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


class _StorageType:
    """Stands in for torch.FloatStorage & co: only its name (the element type) is used."""

    def __init__(self, name: str):
        self.name = name


def _rebuild_tensor_v2(storage, offset, size, stride, requires_grad=False, hooks=None, metadata=None):
    if not size:
        return storage[offset].copy()
    item = storage.itemsize
    return np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * item for s in stride), writeable=False).copy()


def _rebuild_parameter(data, requires_grad=False, hooks=None):
    return data


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickler that knows only what a state dict of tensors is made of."""

    ALLOWED = {
        ("collections", "OrderedDict"): OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    }

    def __init__(self, file, archive: zipfile.ZipFile, prefix: str):
        super().__init__(file)
        self.archive, self.prefix, self.storages = archive, prefix, {}

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"checkpoint refers to {module}.{name}, which a plain state dict never needs; "
                              "refusing to load it (a checkpoint can run code through such references)")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise CheckpointError(f"unexpected persistent id in checkpoint: {pid!r}")
        _, storage_type, key, _location, count = pid
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"unexpected storage type {storage_type!r}")
        dtype = STORAGE_DTYPES[storage_type.name]
        if dtype is None:
            raise CheckpointError(f"{storage_type.name} tensors are not supported (numpy has no such type)")
        if key not in self.storages:
            try:
                raw = self.archive.read(f"{self.prefix}data/{key}")
            except KeyError:
                raise CheckpointError(f"checkpoint lacks the data entry for storage {key}") from None
            array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
            if array.size < count:
                raise CheckpointError(f"storage {key} holds {array.size} values, {count} expected")
            self.storages[key] = array
        return self.storages[key]


def load_state_dict(path: str | Path) -> "OrderedDict[str, np.ndarray]":
    """{parameter name: numpy array} from a `torch.save(model.state_dict())` zip file."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise CheckpointError(f"{path} is not a PyTorch zip checkpoint ({error}); legacy pre-1.6 "
                              "torch.save files are not supported") from None
    with archive:
        pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError(f"{path}: expected one data.pkl in the archive, found {len(pickles)}")
        prefix = pickles[0][: -len("data.pkl")]
        order = archive.read(prefix + "byteorder").strip() if prefix + "byteorder" in archive.namelist() else b"little"
        if order != b"little":
            raise CheckpointError(f"{path}: big-endian checkpoints are not supported")
        with archive.open(pickles[0]) as file:
            try:
                state = _StateDictUnpickler(file, archive, prefix).load()
            except CheckpointError:
                raise
            except Exception as error:
                raise CheckpointError(f"{path}: cannot read the checkpoint's pickle ({error})") from None
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, np.ndarray) for v in state.values()):
        raise CheckpointError(f"{path} holds a {type(state).__name__}, not a state dict of tensors")
    return OrderedDict(state)
