r"""The About tab: what the numbers under each output mean, and a teaching note per method (shown
after the method's own `description`).

Each note is the idea (prose and formulas) followed by what it can and cannot do. Figures that the
code sets (default weights, steps, pyramid levels) are read from the method's declared parameters,
so the text follows the code; figures measured on trained networks (training time, steps) are
the ones the model cards in assets/ give.
"""
from __future__ import annotations

from methods import REGISTRY
from methods.base import Method
from methods.gatys import steps_per_level

ABOUT_INTRO = """
## Five ways to paint a photo

All five take a **content** image (the photo) and most take a **style** image (the painting).
They differ in *what is learned, when*: Gatys learns nothing and optimises every picture from
scratch; AdaIN and Magenta learned once, from many paintings, to map any style in one pass;
CycleGAN learned one fixed style domain from unpaired photos; the VAE learns a compact code of the
painting and redraws the photo through it.

**The numbers under each output** are computed by the same judge for every method, at the same
size ({judge}), and read against two references: the untouched photo and a plain **colour
transfer** (the photo's colour histograms matched to the painting's), shown under every output
and in the table. A method transfers style on a pair only where it beats the colour transfer on
all three style scores:

- *style-loss ratio* ↓: Gram-matrix distance to the painting over the photo's (photo 1,
  painting 0). A recolouring alone lowers it, so read it beside the colour transfer.
- *texture ratio* ↓: the same on luminance, after matching the colour histograms of the output
  and of the photo to the painting: the photo scores 1 and any pure recolouring about 1; only
  texture moves it.
- *style gain* ↑: how far the output moved from the photo toward the painting in Magenta's
  style-embedding space (photo 0, painting 1, negative = away from it).
- *SSIM* ↑ and *content-loss ratio* ↓: how much of the photo is kept (photo 1 and 0).

Runtime excludes loading the networks (shown apart on first use).
"""

GATYS_LOSS = (r"$$\mathcal{L}(x) = \alpha \frac{\lVert F^{l_c}(x) - F^{l_c}(p) \rVert^2}{\lVert F^{l_c}(p) \rVert^2}"
              r" + \frac{\beta}{|L|} \sum_{l \in L} \frac{\lVert G^l(x) - G^l(a) \rVert^2}{\lVert G^l(a) \rVert^2}"
              r" + \gamma\,\mathrm{TV}(x)$$")
GATYS_IDEA = r"""
**Idea.** Treat the picture itself as the parameters. A pretrained VGG network describes
*content* by its feature maps $F^l$ and *style* by their correlations, the **Gram matrix**
$$G^l_{ij} = \frac{1}{M_l}\sum_k F^l_{ik} F^l_{jk}$$
over the $M_l$ positions $k$ of layer $l$, which keeps which features occur together but forgets
where. The output $x$ minimises
""" + GATYS_LOSS + r"""
for photo $p$ and painting $a$ (each term relative to its target, so every layer counts alike),
by L-BFGS on the pixels, coarse to fine over an image pyramid.
"""

ADAIN_IDEA = r"""
**Idea.** Style lives largely in the per-channel mean and spread of a network's features.
*Adaptive instance normalisation* (Huang & Belongie 2017) re-normalises the content features $x$
with the style features' statistics:
$$\mathrm{AdaIN}(x, y) = \sigma(y)\,\frac{x - \mu(x)}{\sigma(x)} + \mu(y).$$
Three steps, as in the paper: a fixed **VGG encoder** (here VGG16-HED up to block4_conv1, the
equivalent of the paper's relu4_1) turns photo and painting into feature maps; **AdaIN** gives
the photo's features the painting's channel means and deviations; a **trained decoder** (the
encoder mirrored: nearest-neighbour upsampling, reflection-padded convolutions, no
normalisation) turns them back into an image. The decoder is the only trained part: the paper's
losses teach it to invert the encoder while matching the painting's feature statistics, and a
structure loss (the photo's instance-normalised block1-3 features: its layout, whatever their
statistics) keeps more of the photo. It learned on the project's 17 train photos and 50
public-domain train paintings, none of them an example image.
"""

MAGENTA_NOTE = r"""
**Idea.** The same one-pass, any-style idea as AdaIN, with the statistics predicted instead of
measured. **Magenta's arbitrary stylisation network (Ghiasi et al. 2017)**, the one TensorFlow
Hub serves: a style-prediction network (Inception-v3, distilled to MobileNet) turns the painting
into a 100-number vector, which sets the scale and shift of every instance-normalisation layer
of a feed-forward transformer network (conditional instance normalisation).

**How it differs from AdaIN.** AdaIN copies the painting's feature statistics at one layer of a
fixed VGG and needs only a decoder; Magenta learns a network that *predicts* normalisation
parameters for every layer of its own transformer, trained end to end on about 80,000 paintings.
Its strength knob blends the painting's 100 numbers with the photo's own.

**Can:** any style image, in one forward pass (well under a second), with a strength knob.
**Cannot:** reproduce brush strokes much larger than its receptive field, or styles far from
the paintings it was trained on; there is no optimisation to push further.
"""

CYCLEGAN_NOTE = r"""
**Idea.** Learn a mapping $G: X \to Y$ between two *unpaired* image collections (photos and,
say, a painter's works) with an adversarial loss that makes $G(x)$ look like domain $Y$, and
a reverse mapping $F: Y \to X$ tied to it by **cycle consistency**:
$$\mathcal{L}_{cyc} = \mathbb{E}_x \lVert F(G(x)) - x \rVert_1 + \mathbb{E}_y \lVert G(F(y)) - y \rVert_1.$$
Going there and back must return the input, so $G$ must keep the photo's content.

Here each example painting has its own generator, trained on the project's train photos (never
scored; the domain $Y$ is crops of that one painting), with one addition to the paper's losses:
a Gram style loss on $G(x)$, as in Gatys' method. With the paper's losses alone, a few minutes of
CPU training teach a generator the painting's colours but not its texture. *auto* uses your
painting's own generator, or else the nearest one by style and says which and how near; *train*
trains one for your painting, starting from the nearest one of its network shape (about 9 minutes
on 2 CPU cores the first time, then cached).

**Can:** a whole *domain's* look learned from examples, one fast forward pass.
**Cannot:** follow the style image you give: **CycleGAN does not read the style image**; its one
style is baked into its weights at training time. A new style means training a new network.
"""

ELBO = (r"$$\log p(x) \ge \mathbb{E}_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)]"
        r" - \beta\,\mathrm{KL}\big(q_\phi(z\mid x)\,\Vert\,p(z)\big).$$")
VAE_IDEA = r"""
**Idea.** A variational autoencoder encodes an image into a distribution $q_\phi(z\mid x)$
over a small latent code and decodes it with $p_\theta(x\mid z)$. Training maximises the
evidence lower bound (**ELBO**):
""" + ELBO + r"""
Here a small VAE is fine-tuned on crops of the painting, so its decoder can only draw with
the painting's colours and textures; the photo is encoded, its latent statistics moved toward
the painting's, and decoded. The ELBO alone teaches the decoder the painting's palette, not its
texture: mode `style` seldom beats a colour transfer.
"""


def _defaults(method: type[Method]) -> dict:
    return {param.name: param.default for param in method.params}


def gatys_note(method: type[Method]) -> str:
    p = _defaults(method)
    steps = sum(steps_per_level(p["steps"], p["coarse_factor"], p["levels"]))
    multiple = "twice" if p["coarse_factor"] == 2 else f"{p['coarse_factor']:g} times"
    return GATYS_IDEA + f"""
By default $\\alpha = {p['content_weight']:g}$, $\\beta = {p['style_weight']:g}$, $\\gamma = {p['tv_weight']:g}$,
over {p['levels']} pyramid levels: {p['steps']} steps at full size, {multiple} as many at each coarser
level.

**Can:** any style image, the most faithful texture transfer, every knob visible.
**Cannot:** run in a single pass ({steps} L-BFGS steps at the defaults, each one or more forward and
backward passes of VGG: seconds on a CPU with bfloat16 units, about twice that without), or keep large
structures of the painting: a Gram matrix has no notion of layout. Stopped early, it shows the best picture so far.
"""


def adain_note(method: type[Method]) -> str:
    return ADAIN_IDEA + """Strength $\\alpha$ blends in feature space: $\\alpha = 0$ decodes the photo's own features.

**Can:** any style image, in one forward pass, with a strength knob.
**Cannot:** carry structures larger than the encoder's receptive field; its decoder, trained
33,000 steps on 2 CPU cores (4.6 hours; the paper's: 160,000 steps on a GPU), draws softer,
blotchier strokes; the numbers under it say how far it gets.
"""


def vae_note(method: type[Method]) -> str:
    p = _defaults(method)
    losses = [f"a Gram style loss (weight {p['style_weight']:g}, as Johnson et al. 2016 train a feed-forward "
              "network)"]
    if p["content_weight"]:
        losses.append(f"a content loss (weight {p['content_weight']:g})")
    if p["structure_weight"]:
        losses.append(f"a structure loss (weight {p['structure_weight']:g}: the photo's instance-normalised VGG "
                      "features, its layout whatever their statistics)")
    return VAE_IDEA + f"""Mode `gram` (the default where the train photos can be had) keeps the encoder
fixed and adds, on decoded train photos, {' and '.join(losses)}: the decoder learns to draw a photo's
layout with the painting's strokes. It fine-tunes {p['steps']} steps (KL weight $\\beta = {p['beta']:g}$)
from a VAE whose decoder already draws train photos in the styles of 50 train paintings.

**Can:** learn a style from a single painting in under a minute, cached for that painting afterwards.
**Cannot:** draw sharp detail (its latent is 1/4 of the photo's size in mode `gram`, 1/8 in the others, so
strokes are coarse and fine structure goes), or reuse training: every new painting means training again.
"""


# the teaching note of each registered method, from its class; the method's own `description` comes first
NOTES = {"gatys": gatys_note, "adain": adain_note, "magenta": lambda method: MAGENTA_NOTE,
         "cyclegan": lambda method: CYCLEGAN_NOTE, "vae": vae_note}


def about_markdown(registry: dict[str, type[Method]], judge: str) -> str:
    """The About tab: the scores, then each registered method's notes; `judge` names the judge network.
    Methods with a note that this registry leaves out follow under "Not in this build"."""
    parts = [ABOUT_INTRO.replace("{judge}", judge)]
    for name, method in registry.items():
        style_note = "" if method.uses_style else " · *ignores the style image*"
        note = NOTES[name](method) if name in NOTES else ""
        parts.append(f"---\n### {method.title}\n*{method.family}*{style_note}\n\n{method.description}\n" + note)
    missing = [name for name in NOTES if name not in registry and name in REGISTRY]
    if missing:
        parts.append("---\n### Not in this build\n" + "".join(
            f"\n#### {name}\n{NOTES[name](REGISTRY[name])}" for name in missing))
    return "\n".join(parts)
