"""Read PyTorch state dicts into numpy arrays, without torch.

Both `torch.save` formats: the zip archive (torch >= 1.6) and the legacy stream of pickles
(older torch, e.g. the official CycleGAN checkpoints of 2017). A checkpoint is untrusted
input: unpickling may call any global it names. The unpickler here resolves only the few
globals a plain state dict of tensors needs and refuses every other one, naming it; tensor
bytes are read into numpy, and every tensor must lie inside its storage.

Sizes are checked before anything is allocated, so a small file cannot claim a large one:
the file must be under MAX_FILE_BYTES; a storage may not hold more bytes than the file
itself; a zip member may not declare more uncompressed bytes than the file (torch stores
them uncompressed, so only a zip bomb does); a tensor may not have more elements than its
storage (a stride-0 view makes a one-value storage into a gigabyte array). Every malformed
input is a CheckpointError naming the file (not its folder).
"""
from __future__ import annotations

import pickle
import struct
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch.serialization.MAGIC_NUMBER
LEGACY_PROTOCOL = 1001
# The largest checkpoint read: the CycleGAN generators are 8-45 MB (ResNet-9, ngf 64: 45 MB).
MAX_FILE_BYTES = 1 << 30


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


class _Storage:
    """A storage named in the pickle; its values come at once (zip) or after the pickle (legacy)."""

    def __init__(self, key: str, dtype, count: int):
        self.key, self.dtype, self.count, self.array = key, np.dtype(dtype).newbyteorder("<"), count, None


class _Tensor(NamedTuple):
    storage: _Storage
    offset: int
    size: tuple
    stride: tuple

    def to_numpy(self) -> np.ndarray:
        array = self.storage.array
        if any(s < 0 for s in self.stride) or self.offset < 0 or any(n < 0 for n in self.size):
            raise CheckpointError(f"tensor in storage {self.storage.key} has negative sizes or strides")
        if len(self.size) != len(self.stride):
            raise CheckpointError(f"tensor in storage {self.storage.key} has {len(self.size)} sizes but "
                                  f"{len(self.stride)} strides")
        if 0 in self.size:
            return np.zeros(self.size, array.dtype)
        last = self.offset + sum((n - 1) * s for n, s in zip(self.size, self.stride))
        if last >= array.size:
            raise CheckpointError(f"tensor reaches element {last} of storage {self.storage.key}, "
                                  f"which holds {array.size}")
        elements = int(np.prod(self.size, dtype=object))
        if elements > array.size:  # checked before as_strided(...).astype allocates them
            raise CheckpointError(f"tensor of {elements} elements built on storage {self.storage.key} of "
                                  f"{array.size}: repeated (stride-0) views are not a state dict's, refusing it")
        return np.lib.stride_tricks.as_strided(
            array[self.offset:], shape=tuple(self.size), strides=tuple(s * array.itemsize for s in self.stride),
            writeable=False).astype(array.dtype.newbyteorder("="))


def _rebuild_tensor(storage, offset, size, stride, *_):
    """torch._utils._rebuild_tensor(_v2): the tensor is made once its storage has its values."""
    if not isinstance(storage, _Storage):
        raise CheckpointError(f"tensor built on {type(storage).__name__}, not a storage")
    return _Tensor(storage, int(offset), tuple(int(n) for n in size), tuple(int(s) for s in stride))


def _rebuild_parameter(data, requires_grad=False, hooks=None):
    return data


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickler that knows only what a state dict of tensors is made of.

    read(storage) gives a storage's values as soon as the pickle names it (zip); without it
    they are filled in after the pickle (legacy). Every storage met is kept in `storages`.
    """

    ALLOWED = {
        ("collections", "OrderedDict"): OrderedDict,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    }

    def __init__(self, file, read=None, limit: int = MAX_FILE_BYTES):
        super().__init__(file)
        self.read, self.storages, self.limit = read, {}, limit  # limit: the file's size in bytes

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(name)
        raise CheckpointError(f"checkpoint refers to {module}.{name}, which a plain state dict never needs; "
                              "refusing to load it (a checkpoint can run code through such references)")

    def persistent_load(self, pid):
        # zip: ("storage", type, key, location, count); legacy adds view metadata (None).
        if not (isinstance(pid, tuple) and len(pid) in (5, 6) and pid[0] in ("storage", b"storage")):
            raise CheckpointError(f"unexpected persistent id in checkpoint: {pid!r}")
        storage_type, key, count = pid[1], str(pid[2]), int(pid[4])
        if len(pid) == 6 and pid[5] is not None:
            raise CheckpointError("storage views (torch < 0.4 checkpoints of views) are not supported")
        if not isinstance(storage_type, _StorageType):
            raise CheckpointError(f"unexpected storage type {storage_type!r}")
        dtype = STORAGE_DTYPES[storage_type.name]
        if dtype is None:
            raise CheckpointError(f"{storage_type.name} tensors are not supported (numpy has no such type)")
        if not 0 <= count * np.dtype(dtype).itemsize <= self.limit:
            raise CheckpointError(f"storage {key} claims {count} values, more than the file's {self.limit} bytes hold")
        if key not in self.storages:
            storage = self.storages[key] = _Storage(key, dtype, count)
            if self.read:
                storage.array = self.read(storage)
        return self.storages[key]


def load_state_dict(path: str | Path) -> OrderedDict[str, np.ndarray]:
    """{parameter name: numpy array} from a `torch.save(model.state_dict())` file, either format."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise CheckpointError(f"the file is {size:,} bytes, over the {MAX_FILE_BYTES:,} read at most")
        state = _load_zip(path, size) if zipfile.is_zipfile(path) else _load_legacy(path, size)
        if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
            state = state["state_dict"]
        if not isinstance(state, dict) or not all(isinstance(v, _Tensor) for v in state.values()):
            raise CheckpointError(f"it holds a {type(state).__name__}, not a state dict of tensors")
        return OrderedDict((str(name), tensor.to_numpy()) for name, tensor in state.items())
    except CheckpointError as error:
        raise CheckpointError(f"{path.name}: {error}") from None
    except Exception as error:  # whatever else a malformed file provokes is still ours to report
        raise CheckpointError(f"{path.name}: cannot read the checkpoint ({type(error).__name__}: {error})") from None


def _load_zip(path: Path, size: int):
    with zipfile.ZipFile(path) as archive:
        for member in archive.infolist():  # before any member is read
            if member.file_size > size:
                raise CheckpointError(f"archive member {member.filename} declares {member.file_size:,} bytes, "
                                      f"more than the whole {size:,} byte file (a zip bomb?)")
        pickles = [name for name in archive.namelist() if name.endswith("data.pkl")]
        if len(pickles) != 1:
            raise CheckpointError(f"expected one data.pkl in the archive, found {len(pickles)}")
        prefix = pickles[0][: -len("data.pkl")]
        order = archive.read(prefix + "byteorder").strip() if prefix + "byteorder" in archive.namelist() else b"little"
        if order != b"little":
            raise CheckpointError("big-endian checkpoints are not supported")

        def read(storage: _Storage) -> np.ndarray:
            try:
                raw = archive.read(f"{prefix}data/{storage.key}")
            except KeyError:
                raise CheckpointError(f"the archive lacks the data of storage {storage.key}") from None
            return _values(storage, raw)

        with archive.open(pickles[0]) as file:
            return _StateDictUnpickler(file, read, size).load()


def _load_legacy(path: Path, size: int):
    """Magic number, protocol, system info, the state dict's pickle, the storage keys, then each
    storage's element count (int64) and values, in the order of the keys."""
    with open(path, "rb") as file:
        magic, protocol, info = (_StateDictUnpickler(file, limit=size).load() for _ in range(3))
        if magic != LEGACY_MAGIC or protocol != LEGACY_PROTOCOL:
            raise CheckpointError("not a PyTorch checkpoint (neither a zip archive nor a legacy torch.save file)")
        if isinstance(info, dict) and not info.get("little_endian", True):
            raise CheckpointError("big-endian checkpoints are not supported")
        unpickler = _StateDictUnpickler(file, limit=size)
        state = unpickler.load()
        keys = _StateDictUnpickler(file, limit=size).load()
        if not isinstance(keys, list):
            raise CheckpointError("the list of storage keys is missing")
        for key in keys:
            storage = unpickler.storages.get(str(key))
            if storage is None:
                raise CheckpointError(f"storage {key} is listed but never used")
            header = file.read(8)
            if len(header) < 8:
                raise CheckpointError(f"the file ends before the values of storage {key}")
            (count,) = struct.unpack("<q", header)
            nbytes = count * storage.dtype.itemsize
            if not 0 <= nbytes <= size - file.tell():  # read(n) would allocate n bytes first
                raise CheckpointError(f"storage {key} claims {count} values, more than the file holds")
            storage.array = _values(storage, file.read(nbytes))
        missing = [key for key, storage in unpickler.storages.items() if storage.array is None]
        if missing:
            raise CheckpointError(f"the file ends before the values of storages {', '.join(missing)}")
        return state


def _values(storage: _Storage, raw: bytes) -> np.ndarray:
    array = np.frombuffer(raw, dtype=storage.dtype)
    if array.size < storage.count:
        raise CheckpointError(f"storage {storage.key} holds {array.size} values, {storage.count} expected")
    return array
