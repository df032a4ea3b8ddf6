"""StyleBench demo: one photo, one painting, every registered style-transfer method side by side.

`demo = build_demo(REGISTRY)` builds the page and loads no network; each method's networks
load on its first run (cached per process, shared by all users). Each method is its own event
(api_name "run_<name>"), so every column fills in as soon as its method is done and one
method's failure stays in its own panel. `python app.py` serves it; GRADIO_SERVER_NAME and
GRADIO_SERVER_PORT choose the address, as for any Gradio app.
"""
from __future__ import annotations

import inspect
import time

import gradio as gr

import app_helpers as helpers
from methods import REGISTRY, get
from methods.base import Method, Param
from methods.images import to_uint8

DEFAULT_SIZE = 384  # long side of the photo given to every method (Gatys caps it at its own `size`)
FAST_CONCURRENCY = 2  # one-pass methods may overlap; iterative ones (helpers.is_heavy) run one at a time
MAX_FILE_SIZE = "15mb"
CSS = """
.method-panel {min-width: 250px}
.method-stats table {font-size: 0.85em; margin: 0}
.method-stats th, .method-stats td {padding: 2px 6px !important; text-align: center}
#run-button {min-height: 3.2em; font-size: 1.15em}
"""


def param_control(method: str, param: Param) -> gr.components.Component:
    """The input control of a declared parameter: sliders for modest ranges, else boxes."""
    common = {"label": param.name.replace("_", " "), "info": param.help, "elem_id": f"param-{method}-{param.name}"}
    if param.kind == "bool":
        return gr.Checkbox(value=param.default, **common)
    if param.kind == "choice":
        return gr.Dropdown(list(param.choices), value=param.default, **common)
    bounded = param.low is not None and param.high is not None
    if bounded and (param.high - param.low <= 5000 if param.kind == "int" else param.high <= 10):
        step = 1 if param.kind == "int" else (param.high - param.low) / 100
        return gr.Slider(param.low, param.high, value=param.default, step=step, **common)
    return gr.Number(value=param.default, minimum=param.low, maximum=param.high,
                     precision=0 if param.kind == "int" else None, **common)


def method_runner(name: str, method_class: type[Method]):
    """The event function of one method's column: a generator streaming (image, text, record)."""
    param_names = [param.name for param in method_class.params]

    def run(content, style, size, include, *values):
        if not include:
            yield None, "Skipped (tick *include* to run it).", None
            return
        content_image = helpers.read_image(content, "content", int(size))
        # a method that ignores the style still gets it when given: CycleGAN's auto picks a model
        # by it, and the style scores are measured against it
        style_image = (helpers.read_image(style, "style", helpers.STYLE_MAX_SIDE)
                       if style is not None or method_class.uses_style else None)
        started = time.monotonic()
        yield gr.skip(), "Starting (the first run of a method also loads its networks)…", None
        style_input = content_image if style_image is None else style_image
        for kind, *report in helpers.stream_stylize(get(name), content_image, style_input,
                                                    dict(zip(param_names, values))):
            if kind == "progress":
                fraction, message, preview = report
                image = to_uint8(preview) if preview is not None else gr.skip()
                yield image, helpers.progress_text(method_class.title, fraction, message,
                                                   time.monotonic() - started), gr.skip()
            elif kind == "error":
                yield None, helpers.error_text(report[0]), None
                return
            else:
                result = report[0]
                record = {"name": name, "title": method_class.title, "image": result.image,
                          "seconds": result.seconds, "load_seconds": result.load_seconds,
                          "height": result.image.shape[0], "width": result.image.shape[1],
                          "note": result.info.get("note", "")}
                yield to_uint8(result.image), helpers.stats_text(record), gr.skip()
                if style_image is None:  # nothing to score the style against
                    record["scoring"] = False
                    yield gr.skip(), helpers.stats_text(record), record
                    return
                try:
                    record["scores"] = helpers.score(result.image, content_image, style_image)
                    record["reference"] = helpers.reference_scores(content_image, style_image)
                except Exception as error:  # keep the picture; say the numbers failed
                    yield to_uint8(result.image), helpers.stats_text(record) + "\n\n" + helpers.error_text(error), None
                    return
                yield to_uint8(result.image), helpers.stats_text(record), record  # complete for API callers

    run.__name__ = f"run_{name}"
    # named API parameters (gradio_client: strength=0.5) instead of param_4, param_5, ...
    run.__signature__ = inspect.Signature([inspect.Parameter(arg, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                           for arg in ("content", "style", "output_size", "include", *param_names)])
    return run


def check_inputs(registry: dict[str, type[Method]]):
    """Validate both images once before any method starts, and clear the previous results."""
    def check(content, style, size, *includes):
        helpers.read_image(content, "content", int(size))
        if any(include and method.uses_style for include, method in zip(includes, registry.values())):
            helpers.read_image(style, "style", helpers.STYLE_MAX_SIDE)
        waiting = ["Queued…" if include else "Skipped." for include in includes]
        return [None] * len(includes) + waiting + [None] * len(includes) + [helpers.table_and_files([])[0], None]

    return check


def check_upload(label: str):
    def check(payload):
        if helpers.upload_path(payload):
            helpers.read_image(payload, label, None)

    return check


def build_demo(registry: dict[str, type[Method]]) -> gr.Blocks:
    registry = helpers.compared(registry)  # the reference rows sit under every output, not in a column
    content_examples, style_examples = helpers.example_files()
    with gr.Blocks(title="StyleBench: neural style transfer side by side") as demo:
        gr.Markdown("# StyleBench\nOne photo, one painting, four families of neural style transfer side "
                    "by side, each scored by the same judge network. Pick or upload a photo and a painting, "
                    "then press **Run**; fast methods appear at once, iterative ones stream their progress.")
        with gr.Tab("Compare"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=2):
                    content = gr.Image(label="Content (photo)", type="filepath", sources=["upload", "webcam", "clipboard"],
                                       height=280, elem_id="content-image")
                    gr.Examples(content_examples, inputs=content, label="Example photos", examples_per_page=8,
                                elem_id="content-examples")
                with gr.Column(scale=2):
                    style = gr.Image(label="Style (painting)", type="filepath", sources=["upload", "clipboard"],
                                     height=280, elem_id="style-image")
                    gr.Examples(style_examples, inputs=style, label="Example paintings", examples_per_page=8,
                                elem_id="style-examples")
                with gr.Column(scale=1, min_width=280):
                    size = gr.Slider(64, 1024, value=DEFAULT_SIZE, step=32, label="Output size (long side, px)",
                                     info="the photo is scaled to this; Gatys also caps it at its own size parameter",
                                     elem_id="output-size")
                    run_button = gr.Button("Run", variant="primary", elem_id="run-button")
                    gr.Markdown("<small>Untick a method to skip it; its parameters are under its picture.</small>")
            includes, images, texts, records, controls = [], [], [], [], []
            with gr.Row(equal_height=False):
                for name, method in registry.items():
                    with gr.Column(elem_classes="method-panel", elem_id=f"panel-{name}", variant="panel"):
                        note = "" if method.uses_style else " · ignores the style image"
                        gr.Markdown(f"### {method.title}\n<small>{method.family}{note}</small>")
                        includes.append(gr.Checkbox(True, label="include", elem_id=f"include-{name}"))
                        images.append(gr.Image(label=method.title, format="png", interactive=False, height=300,
                                               buttons=["download", "fullscreen"], elem_id=f"output-{name}"))
                        texts.append(gr.Markdown("", elem_id=f"stats-{name}", elem_classes="method-stats"))
                        records.append(gr.State(None))
                        with gr.Accordion("Parameters", open=False):
                            controls.append([param_control(name, param) for param in method.params])
            gr.Markdown("### Comparison")
            table = gr.Dataframe(helpers.table_and_files([])[0], interactive=False, elem_id="comparison")
            downloads = gr.File(label="Download the outputs (PNG) and the table (CSV)", file_count="multiple",
                                interactive=False, height=140, elem_id="downloads")
        with gr.Tab("About the methods"):
            gr.Markdown(helpers.about_markdown(registry), latex_delimiters=[
                {"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}])

        for image_input, label in ((content, "content"), (style, "style")):
            image_input.upload(check_upload(label), image_input, None, preprocess=False,
                               show_progress="hidden", api_visibility="private")
        checked = run_button.click(check_inputs(registry), [content, style, size, *includes],
                                   [*images, *texts, *records, table, downloads], preprocess=False,
                                   show_progress="hidden", api_visibility="private")
        for index, (name, method) in enumerate(registry.items()):
            heavy = helpers.is_heavy(method)
            checked.success(
                method_runner(name, method), [content, style, size, includes[index], *controls[index]],
                [images[index], texts[index], records[index]], preprocess=False, api_name=f"run_{name}",
                concurrency_limit=1 if heavy else FAST_CONCURRENCY, concurrency_id="heavy" if heavy else "fast",
                show_progress="minimal",
            ).then(  # one at a time, in order, so the last refresh sees every finished method
                lambda *done: helpers.table_and_files(list(done)), records, [table, downloads],
                show_progress="hidden", api_visibility="private", concurrency_limit=1, concurrency_id="table")
    return demo


def launch(blocks: gr.Blocks, **kwargs):
    """Serve with the queue and upload limit; kwargs go to launch (tests pass a port)."""
    return blocks.queue(max_size=64, default_concurrency_limit=FAST_CONCURRENCY).launch(
        max_file_size=MAX_FILE_SIZE, css=CSS, theme=gr.themes.Soft(), **kwargs)


demo = build_demo(REGISTRY)

if __name__ == "__main__":
    launch(demo)
