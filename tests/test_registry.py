"""Every registered method meets the contract the app, the eval and the CLI rely on."""
import subprocess
import sys

import numpy as np
import pytest

from methods import REGISTRY, MethodError, Param, get
from methods.base import Result

SMALL = {"gatys": {"steps": 3, "levels": 1, "size": 64}}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_declaration(name):
    cls = REGISTRY[name]
    assert cls.name == name and cls.title and cls.family and cls.description
    assert isinstance(cls.uses_style, bool)
    for param in cls.params:
        assert isinstance(param, Param) and param.help
        assert param.coerce(param.default) == param.default
        if param.kind == "choice":
            assert param.default in param.choices
        if param.kind in ("int", "float"):
            assert param.low <= param.default <= param.high


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_stylize_contract(name, photo, starry):
    method = get(name)
    assert get(name) is method
    result = method.stylize(photo[:64, :80], starry, **SMALL.get(name, {}))
    assert isinstance(result, Result)
    assert result.image.dtype == np.float32 and result.image.ndim == 3 and result.image.shape[2] == 3
    assert 0 <= result.image.min() and result.image.max() <= 1
    assert result.seconds > 0 and result.load_seconds >= 0
    assert result.info["method"] == name and "weights_source" in result.info
    assert set(result.info["params"]) == {p.name for p in method.params}


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_bad_parameters_are_refused(name, photo, starry):
    method = get(name)
    with pytest.raises(MethodError, match="no parameter"):
        method.stylize(photo, starry, no_such_param=1)
    numeric = [p for p in method.params if p.kind in ("int", "float") and p.high is not None]
    for param in numeric[:1]:
        with pytest.raises(MethodError, match=param.name):
            method.stylize(photo, starry, **{param.name: param.high * 10 + 1})
    with pytest.raises(MethodError, match="float32"):
        method.stylize(photo.astype(np.float64), starry)


def test_importing_methods_loads_no_network():
    code = ("import sys, methods; [methods.get(n) for n in methods.REGISTRY]; "
            "print(sorted(m for m in ('tensorflow', 'onnxruntime', 'gradio', 'eval') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
