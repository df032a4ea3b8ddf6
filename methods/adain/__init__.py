"""AdaIN (Huang & Belongie 2017): the method (method.py), its encoder and decoder (model.py), the
decoder's training command (train.py) and its int8 ONNX export (export.py)."""
from methods.adain.method import AdaIN

__all__ = ["AdaIN"]
