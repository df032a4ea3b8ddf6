"""CycleGAN (Zhu et al. 2017): the method (method.py), the ResNet generator (generator.py), its files
(generator_files.py; checkpoints.py reads PyTorch state dicts without torch), which generator paints a
painting (choice.py), and training: the command (train.py over trainer.py) and checkpoint=train's
training on demand (on_demand.py)."""
from methods.cyclegan.method import CycleGAN

__all__ = ["CycleGAN"]
