"""What the methods and the page accept, whoever calls them: every parameter within its declared bounds,
the output size within MAX_SIDE, both image sides at least 16 px after every resize, image files with
unusual pixel formats read at their real range, an animation read as its first frame with a note, a flat
picture refused, refusals in plain words. Real networks and real photos on small images."""
import asyncio
import io
import re
import warnings
from pathlib import Path

import gradio as gr
import numpy as np
import pytest
from gradio_client import Client, handle_file
from PIL import Image
from skimage import data

from methods import REGISTRY, MethodError, get
from methods.__main__ import main as cli
from methods.core.images import MAX_SIDE, ImageError, load_image, save_image
from tests.conftest import SHARED_STYLES, one_error_line
from ui import events, inputs, runs


def test_every_parameter_and_the_output_size_are_bounded_for_any_caller(photo, starry):
    for name, cls in REGISTRY.items():
        method = get(name)
        for param in cls.params:
            if param.kind in ("int", "float"):
                for bad in (param.low - 1, param.high + 1, float("nan"), "lots"):
                    with pytest.raises(MethodError, match=param.name):
                        method.resolve_params({param.name: bad})
            if param.kind == "int":  # steps=2.7 is refused, not truncated
                with pytest.raises(MethodError, match="whole number"):
                    method.resolve_params({param.name: param.default + 0.7})
                with pytest.raises(MethodError, match="whole number"):
                    method.resolve_params({param.name: True})
                assert method.resolve_params({param.name: f"{param.default}.0"})[param.name] == param.default
            if param.kind == "bool":
                for junk in ("maybe", 2, 0.5, None, [1]):
                    with pytest.raises(MethodError, match=param.name):
                        method.resolve_params({param.name: junk})
                assert method.resolve_params({param.name: "no"})[param.name] is False
    # the output-size bound holds whoever calls: an API call that skips the page's checks too
    for name in REGISTRY:
        for content, style in ((np.zeros((MAX_SIDE + 1, 64, 3), np.float32), starry),
                               (photo, np.zeros((40, 6000, 3), np.float32)), (photo[:10], starry)):
            with pytest.raises(MethodError, match=f"{MAX_SIDE} px"):
                get(name).stylize(content, style)


def test_both_sides_keep_at_least_16_px_after_every_resize(starry, capsys, tmp_path):
    strip = np.random.default_rng(0).uniform(0, 1, (16, 4000, 3)).astype(np.float32)
    with pytest.raises(ImageError, match="512x2"):
        load_image(strip, 512)  # a 4000x16 photo capped to 512 px
    save_image(strip, tmp_path / "strip.png")
    assert cli(["--method", "cyclegan", "--content", str(tmp_path / "strip.png"),
                "--style", str(SHARED_STYLES / "great_wave.jpg"), "--out", str(tmp_path / "o.png")]) == 2
    assert "both sides need at least 16 px" in one_error_line(capsys)
    thin = strip[:, :1000]  # 1000x16: a method may take it, not shrink it to nothing
    with pytest.raises(ImageError, match="256x4"):
        get("gatys").stylize(thin, starry, size=256, steps=1, levels=1)
    with pytest.raises(ImageError, match="512x8"):  # a project generator works at 512 px
        get("cyclegan").stylize(thin, starry, checkpoint="starry_night")
    result = get("cyclegan").stylize(thin, starry, checkpoint="vintage")  # full size: it fits, in tiles
    assert result.image.shape == thin.shape


@pytest.mark.parametrize("mode, values", [
    ("F", np.linspace(0.0, 1000.0, 64 * 64, dtype=np.float32)),  # HDR/scientific floats
    ("I", np.linspace(-70000, 900000, 64 * 64).astype(np.int32)),  # beyond 16 bits, negative too
])
def test_32_bit_tiffs_keep_their_real_range(mode, values):
    buffer = io.BytesIO()
    Image.fromarray(values.reshape(64, 64)).save(buffer, "TIFF")
    assert Image.open(buffer).mode == mode
    gray = load_image(buffer.getvalue(), None)[..., 0].ravel()
    assert gray.min() == 0 and gray.max() == pytest.approx(1.0)
    assert (np.diff(gray) >= 0).all() and len(np.unique(gray)) > 2000  # a ramp, not clipped to white


# -- what the page and its API accept (ui.inputs) ------------------------------------------------
def _frames(*names) -> list[Image.Image]:
    """Real photos as same-size PIL frames."""
    return [Image.fromarray(getattr(data, name)()).convert("RGB").resize((96, 96)) for name in names]


def _upload(path) -> dict:
    """An image component's raw value, as the page's events receive it (preprocess=False)."""
    return {"path": str(path), "orig_name": Path(path).name}


@pytest.mark.parametrize("suffix, kind", [(".gif", "animated GIF"), (".png", "animated PNG"),
                                          (".tiff", "multi-page TIFF")])
def test_an_animation_is_read_as_its_first_frame_and_the_user_is_told(tmp_path, suffix, kind):
    first, second = _frames("astronaut", "chelsea")
    path = tmp_path / f"moving{suffix}"
    first.save(path, save_all=True, append_images=[second], duration=200, loop=0)
    still = tmp_path / "first.png"
    (first.quantize(256).convert("RGB") if suffix == ".gif" else first).save(still)  # a GIF's frame is paletted
    assert inputs.frames_kind(path) == kind and inputs.frames_kind(still) == ""
    with pytest.warns(UserWarning, match=f"The photo is an? {kind}: only its first frame is used"):
        pixels = inputs.read_image(_upload(path), "content", None)  # outside an event, Gradio warns this way
    assert np.abs(pixels - load_image(still, None)).max() < 1 / 255  # the first frame, not the second
    assert np.abs(pixels - np.asarray(second, np.float32) / 255).mean() > 0.1
    assert inputs.input_name(_upload(path)) == f"moving{suffix} (first frame)"
    assert inputs.input_name(_upload(still)) == "first.png"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a still picture: no note
        inputs.read_image(_upload(still), "style", None)


def test_an_api_caller_gets_the_first_frame_note_once_per_session(tmp_path):
    """The note reaches a gradio_client caller as the event's log message (a warning), once per
    session and file: the page reads an upload on upload, on Run and in each method's event."""
    first, second = _frames("coffee", "rocket")
    path = tmp_path / "clip.gif"
    first.save(path, save_all=True, append_images=[second], duration=100)

    def read(image):
        return inputs.input_name(image) + f": {inputs.read_image(image, 'style', 64).shape[1]} px"

    with gr.Blocks() as demo:
        image, text = gr.Image(), gr.Textbox()
        gr.Button().click(read, image, text, preprocess=False, api_name="read")
    demo.queue().launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1")
    try:
        client = Client(demo.local_url, verbose=False)

        async def call():
            job = client.submit(handle_file(str(path)), api_name="/read")
            logs = [update.log async for update in job if getattr(update, "log", None)]
            return job.result(), logs

        for attempt in range(2):
            result, logs = asyncio.run(call())
            assert result == "clip.gif (first frame): 64 px"  # every result names the frame
            assert logs == ([("The painting is an animated GIF: only its first frame is used.", "warning")]
                            if attempt == 0 else [])
    finally:
        demo.close()


def test_a_flat_picture_is_refused_in_plain_words(tmp_path):
    rng = np.random.default_rng(0)
    flat = np.full((80, 120, 3), (0.2, 0.5, 0.7), np.float32)
    Image.fromarray((flat * 255).astype(np.uint8)).save(tmp_path / "blank.png")
    Image.fromarray((flat * 255).astype(np.uint8)).save(tmp_path / "blank.jpg", quality=60)
    speck = flat.copy()
    speck[:4, :4] = 1.0  # a logo's worth of pixels is not content
    save_image(speck, tmp_path / "speck.png")
    blank, photo = Image.fromarray((flat * 255).astype(np.uint8)).resize((96, 96)), _frames("astronaut")[0]
    blank.save(tmp_path / "starts_blank.gif", save_all=True, append_images=[photo], duration=100)
    for name, label, title in (("blank.png", "content", "Photo not usable"), ("blank.jpg", "style",
                                                                              "Painting not usable"),
                               ("speck.png", "content", "Photo not usable"),
                               ("starts_blank.gif", "content", "Photo not usable")):
        with pytest.raises(gr.Error) as refused:
            inputs.read_image(_upload(tmp_path / name), label, None)
        assert refused.value.title == title and "(almost) one flat colour" in refused.value.message, name
        assert ("first frame" in refused.value.message) == name.endswith(".gif")
    # real pictures pass, the dimmest and the palest included
    dim = load_image(data.astronaut(), 128) * 0.12  # a night shot: 12 % of full brightness
    pale = 0.9 + load_image(data.camera(), 128) * 0.1  # a misty one: 10 % of the range
    dim_file, pale_file = save_image(dim, tmp_path / "dim.png"), save_image(pale, tmp_path / "pale.png")
    grain = rng.normal(0.5, 0.08, (64, 64, 3)).clip(0, 1).astype(np.float32)  # texture alone is not flat
    for picture, file in ((dim, dim_file), (pale, pale_file), (grain, save_image(grain, tmp_path / "grain.png"))):
        assert not inputs.is_flat(picture)
        inputs.read_image(_upload(file), "style", None)


def test_refusals_say_what_is_wrong_without_library_names(tmp_path):
    text = tmp_path / "notes.png"
    text.write_text("a shopping list, not a picture")
    tiny = save_image(np.zeros((8, 8, 3), np.float32), tmp_path / "tiny.png")
    for payload, label, title, says in (
            (_upload(text), "content", "Photo not usable", "not an image file in a known format"),
            (_upload(text), "style", "Painting not usable", "not an image file in a known format"),
            (_upload(tiny), "style", "Painting not usable", "both sides need at least 16 px"),
            (None, "content", "No photo", "No photo: please give a content image"),
            (None, "style", "No painting", "No painting: please give a style image")):
        with pytest.raises(gr.Error) as refused:
            inputs.read_image(payload, label, None)
        assert refused.value.title == title and says in refused.value.message
        assert refused.value.message.startswith(title)  # Gradio's page titles every error toast "Error"
        assert not re.search(r"pillow|\bPIL\b|numpy|tensorflow|gradio|" + re.escape(str(tmp_path)),
                             refused.value.message, re.IGNORECASE)
    with pytest.raises(gr.Error) as refused:
        inputs.output_side(2000)
    assert refused.value.title == "Output size not usable" and "64 to 1024" in refused.value.message


def test_a_refused_photo_leaves_the_panels_saying_why_not_that_the_inputs_changed(tmp_path):
    flat = save_image(np.full((64, 64, 3), 0.4, np.float32), tmp_path / "grey.png")
    photo = save_image(load_image(data.chelsea(), 64), tmp_path / "cat.png")
    painting = SHARED_STYLES / "starry_night.jpg"
    refused = events.invalidate(2)(runs.new_run(runs.NO_RUN), "", _upload(flat), _upload(painting))
    assert refused[0] == runs.NO_RUN and refused[3] == refused[4]
    assert refused[3].startswith("Photo not usable: ") and "flat colour" in refused[3]
    fine = events.invalidate(2)(runs.new_run(runs.NO_RUN), "", _upload(photo), _upload(painting))
    assert fine[3] == fine[4] == events.CHANGED_TEXT
