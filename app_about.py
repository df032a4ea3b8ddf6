"""The About tab's text: what the numbers under each output mean, and a teaching note per method
family (the method's own `description` is shown with it)."""
from __future__ import annotations

from methods.base import Method

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
- *texture ratio* ↓: the same after matching the colour histograms of the output and of the
  photo to the painting: the photo and any pure recolouring score 1; only texture moves it.
- *style gain* ↑: how far the output moved from the photo toward the painting in Magenta's
  style-embedding space (photo 0, painting 1, negative = away from it).
- *SSIM* ↑ and *content-loss ratio* ↓: how much of the photo is kept (photo 1 and 0).

Runtime excludes loading the networks (shown apart on first use).
"""

# Teaching notes per registered method name; the method's own `description` is shown under it.
FAMILY_NOTES = {
    "gatys": r"""
**Idea.** Treat the picture itself as the parameters. A pretrained VGG network describes
*content* by its feature maps $F^l$ and *style* by their correlations, the **Gram matrix**
$$G^l_{ij} = \frac{1}{N_l M_l}\sum_k F^l_{ik} F^l_{jk},$$
which keeps which features occur together but forgets where. The output $x$ minimises
$$\mathcal{L}(x) = \alpha \lVert F^{l_c}(x) - F^{l_c}(p) \rVert^2 + \beta \sum_l w_l \lVert G^l(x) - G^l(a) \rVert^2 + \gamma\,\mathrm{TV}(x)$$
for photo $p$ and painting $a$, by L-BFGS on the pixels.

**Can:** any style image, the most faithful texture transfer, every knob visible.
**Cannot:** run in a single pass (about 90 forward and backward passes of VGG per picture: seconds on a
CPU with bfloat16 units, about twice that without), or keep large structures of the painting: a Gram
matrix has no notion of layout. Stopped early, it shows the best picture so far.
""",
    "adain": r"""
**Idea.** Style lives largely in the per-channel mean and spread of a network's features.
*Adaptive instance normalisation* (Huang & Belongie 2017) re-normalises the content features $x$
with the style features' statistics:
$$\mathrm{AdaIN}(x, y) = \sigma(y)\,\frac{x - \mu(x)}{\sigma(x)} + \mu(y).$$
Three steps, as in the paper: a fixed **VGG encoder** (here VGG16-HED up to block4_conv1, the
equivalent of the paper's relu4_1) turns photo and painting into feature maps; **AdaIN** gives
the photo's features the painting's channel means and deviations; a **trained decoder** (the
encoder mirrored: nearest-neighbour upsampling, reflection-padded convolutions, no
normalisation) turns them back into an image. The decoder is the only trained part: it learned
to invert the encoder while matching the painting's feature statistics, on the project's train
photos and public-domain paintings, none of them the example images. Strength $\alpha$ blends
in feature space: $\alpha = 0$ decodes the photo's own features.

**Can:** any style image, in one forward pass, with a strength knob.
**Cannot:** carry structures larger than the encoder's receptive field; a decoder trained on
a CPU for about an hour (the paper's: 160,000 steps on a GPU) draws softer, blotchier
strokes; the numbers under it say how far it gets.
""",
    "magenta": r"""
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
""",
    "cyclegan": r"""
**Idea.** Learn a mapping $G: X \to Y$ between two *unpaired* image collections (photos and,
say, a painter's works) with an adversarial loss that makes $G(x)$ look like domain $Y$, and
a reverse mapping $F: Y \to X$ tied to it by **cycle consistency**:
$$\mathcal{L}_{cyc} = \mathbb{E}_x \lVert F(G(x)) - x \rVert_1 + \mathbb{E}_y \lVert G(F(y)) - y \rVert_1.$$
Going there and back must return the input, so $G$ must keep the photo's content.

Here the project trained one generator per example painting, on photos that are never scored
(the domain $Y$ is crops of that one painting), with one addition to the paper's losses: a Gram
style loss on $G(x)$, as in Gatys' method. On a few minutes of CPU training the adversarial loss
alone taught the generators the painting's colours but not its texture. *auto* uses your painting's own generator, or
else the nearest one by style and says which and how near; *train* trains one for your painting,
starting from the nearest one of its network shape (about 9 minutes on 2 CPU cores the first time, then cached).

**Can:** a whole *domain's* look learned from examples, one fast forward pass.
**Cannot:** follow the style image you give: **CycleGAN does not read the style image**; its one
style is baked into its weights at training time. A new style means training a new network.
""",
    "vae": r"""
**Idea.** A variational autoencoder encodes an image into a distribution $q_\phi(z\mid x)$
over a small latent code and decodes it with $p_\theta(x\mid z)$. Training maximises the
evidence lower bound (**ELBO**):
$$\log p(x) \ge \mathbb{E}_{q_\phi(z\mid x)}[\log p_\theta(x\mid z)] - \beta\,\mathrm{KL}\big(q_\phi(z\mid x)\,\Vert\,p(z)\big).$$
Here a small VAE is fine-tuned on crops of the painting, so its decoder can only draw with
the painting's colours and textures; the photo is encoded, its latent statistics moved toward
the painting's, and decoded. The ELBO alone teaches the decoder the painting's palette, not its
texture (mode `style`: no better than a colour transfer). Mode `gram` (the default where the
train photos can be had) adds, as Johnson et al. 2016 do for a feed-forward network, a Gram
style loss and a content loss on decoded train photos: the decoder learns to draw a photo's
layout with the painting's strokes.

**Can:** learn a style from a single painting in under a minute, and sample variations.
**Cannot:** draw sharp detail (its latent is 1/4 of the photo's size in mode `gram`, 1/8 in the others, so
strokes are coarse and fine structure goes), or reuse training: every new painting means training again (cached afterwards).
""",
}


def about_markdown(registry: dict[str, type[Method]], judge: str) -> str:
    """The About tab: the scores, then each registered method's family notes; `judge` names the judge network."""
    parts = [ABOUT_INTRO.replace("{judge}", judge)]
    for name, method in registry.items():
        style_note = "" if method.uses_style else " · *ignores the style image*"
        parts.append(f"---\n### {method.title}\n*{method.family}*{style_note}\n\n{method.description}\n"
                     + FAMILY_NOTES.get(name, ""))
    missing = [name for name in FAMILY_NOTES if name not in registry]
    if missing:
        parts.append("---\n### Not in this build\n" + "".join(
            f"\n#### {name}\n{FAMILY_NOTES[name]}" for name in missing))
    return "\n".join(parts)
