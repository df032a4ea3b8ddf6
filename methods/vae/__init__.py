"""The VAE method (Kingma & Welling 2014): the method (method.py), the network and its stylisation
(model.py), the ELBO, the per-style fine-tune and its cache (finetune.py), and the command that
pretrains the shipped VAEs (train.py)."""
from methods.vae.method import VAE

__all__ = ["VAE"]
