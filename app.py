"""StyleBench demo: one photo, one painting, every registered style-transfer method side by side.

`demo = build_demo(REGISTRY)` builds the page and loads no network; each method's networks
load on its first run (cached per process, shared by all users). Each method is its own event
(api_name "run_<name>"), so every column fills in as soon as its method is done and one
method's failure stays in its own panel.

Every result belongs to a run: Run makes a new run id that every event sends with its inputs,
and each output, its numbers and the comparison table carry the run's inputs. A new Run, a
changed photo or painting, or Stop ends the run in flight: its methods stop at their next
progress report (app_helpers.stream_stylize) and nothing it no longer matches stays on the page;
after Stop, finished outputs stay and Gatys shows the image it had, with its numbers.
`python app.py` serves it (a Hugging Face Space runs exactly that); GRADIO_SERVER_NAME and
GRADIO_SERVER_PORT choose the address.
"""
from __future__ import annotations

import contextlib
import inspect
import time

import gradio as gr

import app_about
import app_helpers as helpers
import app_panels as panels
from methods import REGISTRY, get, import_tensorflow_quietly
from methods.base import Method, Param
from methods.core.images import to_uint8

DEFAULT_SIZE = 384  # long side of every output; a method's own `size` parameter follows it
FAST_CONCURRENCY = 2  # a queue's limit where a method sets none (max_concurrent None)
MAX_FILE_SIZE = "15mb"
WIDE, PHONE = 1280, 768  # px: all method columns in one row from WIDE; below PHONE, one column and Run first
SKIPPED = "Skipped (tick *include* to run it)."
CHANGED = "The photo or painting changed: press **Run** to compare them."
STOPPED = "Stopped."
STOPPING = "Stopping…"
TABLE_PLACEHOLDER = "Press **Run**: this run's outputs are compared here, best value of every score in bold."
# after Run: bring the method columns into view when they start below the middle of the screen (phones)
SCROLL_TO_RESULTS = """() => {
  const grid = document.getElementById('method-grid');
  if (grid && grid.getBoundingClientRect().top > window.innerHeight / 2) {
    grid.scrollIntoView({behavior: 'smooth', block: 'start'});
  }
}"""


def page_css(columns: int) -> str:
    return f"""
#method-grid {{display: grid !important; grid-template-columns: repeat({columns}, minmax(0, 1fr)); gap: 12px;
               align-items: start}}
@media (max-width: {WIDE - 1}px) {{#method-grid {{grid-template-columns: repeat(2, minmax(0, 1fr))}}}}
@media (max-width: {PHONE - 1}px) {{#method-grid {{grid-template-columns: minmax(0, 1fr)}}
                                   #settings {{order: -1}}}}
#method-grid > .method-panel {{min-width: 0 !important; width: auto !important; margin: 0 !important}}
.method-stats table {{font-size: 0.85em; margin: 0; width: 100%}}
.method-stats th, .method-stats td {{padding: 2px 6px !important; word-break: normal !important;
                                     overflow-wrap: normal !important; hyphens: none !important}}
.method-stats td:first-child {{white-space: nowrap}}
#comparison {{overflow-x: auto}}
#comparison th, #comparison td {{white-space: nowrap; padding: 4px 8px !important}}
#run-button {{min-height: 3.2em; font-size: 1.15em}}
"""


def param_control(method: str, param: Param) -> gr.components.Component:
    """The input control of a declared parameter: sliders for modest ranges, else boxes.
    A method's `size` starts at the output size and follows it (see build_demo)."""
    follows = param.name == "size"
    common = {"label": param.name.replace("_", " ") + (f" (follows the output size, up to {param.high:.0f})"
                                                        if follows else ""),
              "info": param.help, "elem_id": f"param-{method}-{param.name}"}
    default = min(DEFAULT_SIZE, param.high) if follows else param.default
    if param.kind == "bool":
        return gr.Checkbox(value=default, **common)
    if param.kind == "choice":
        return gr.Dropdown(list(param.choices), value=default, **common)
    bounded = param.low is not None and param.high is not None
    if bounded and (param.high - param.low <= 5000 if param.kind == "int" else param.high <= 10):
        step = 1 if param.kind == "int" else (param.high - param.low) / 100
        return gr.Slider(param.low, param.high, value=default, step=step, **common)
    return gr.Number(value=default, minimum=param.low, maximum=param.high,
                     precision=0 if param.kind == "int" else None, **common)


def size_info(registry: dict[str, type[Method]]) -> str:
    """What the output size means, with the methods whose own size stops lower (Gatys: 512 px)."""
    caps = [f"{method.title.split(' (')[0]} up to {param.high:.0f} px" for method in registry.values()
            for param in method.params if param.name == "size" and param.high < helpers.OUTPUT_SIDES[1]]
    return "every method gets the photo at this size" + (f" ({', '.join(caps)}: its time and memory cap)"
                                                         if caps else "")


def method_runner(name: str, method_class: type[Method]):
    """The event function of one method's column: a generator streaming (image, text, record).

    Its last input is the page's run id, sent with the inputs it belongs to (empty for API callers):
    once that run is over (a new Run, a changed input, Stop) its method stops at its next progress
    report and it yields nothing more, except after Stop: a method that returns the image it has
    when stopped (Gatys) gets it shown and scored with its note, like any finished output.
    """
    param_names = [param.name for param in method_class.params]

    def run(content, style, size, include, *values_and_run):
        *values, run_id = values_and_run
        if not include:
            yield None, SKIPPED, None
            return
        side = helpers.output_side(size)  # API callers skip the slider's bounds
        content_image = helpers.read_image(content, "content", side)
        # a method that ignores the style still gets it when given: CycleGAN's auto picks a model
        # by it, and the style scores are measured against it
        style_image = (helpers.read_image(style, "style", helpers.STYLE_MAX_SIDE)
                       if style is not None or method_class.uses_style else None)
        inputs = {"photo": helpers.input_name(content),
                  "painting": helpers.input_name(style) if style_image is not None else "none", "size": side}
        method, params = get(name), dict(zip(param_names, values))
        if not helpers.is_live(run_id):  # an ended run's event that was still queued
            yield ended(run_id)
            return
        started = None  # from the first progress report: loading the networks would inflate the time left
        yield gr.skip(), (panels.loading_text(method_class.title) if helpers.needs_loading(method, params)
                          else "Starting…"), None
        style_input, result = (content_image if style_image is None else style_image), None
        stream = helpers.stream_stylize(method, content_image, style_input, params,
                                        alive=lambda: helpers.is_live(run_id))
        with contextlib.closing(stream):  # closed early (superseded, cancelled): the worker stops
            for kind, *report in stream:
                if kind == "progress":
                    fraction, message, preview = report
                    started = started or time.monotonic()
                    image = to_uint8(preview) if preview is not None else gr.skip()
                    yield image, panels.progress_text(method_class.title, fraction, message,
                                                       time.monotonic() - started), gr.skip()
                elif kind == "stopping":
                    if helpers.end_reason(run_id) != helpers.STOPPED:  # a new Run or input: nothing more of this run
                        yield ended(run_id)
                        return
                    yield gr.skip(), STOPPING, gr.skip()  # Stop answers now; the image so far may follow
                elif kind == "error":
                    yield (None, panels.error_text(report[0]), None) if helpers.is_live(run_id) else ended(run_id)
                    return
                else:
                    result = report[0]
        if result is None:  # the run ended mid-way: this is the panel's last update, so never a stale one
            yield ended(run_id)
            return
        record = {"run": run_id, "inputs": inputs, "name": name, "title": method_class.title, "image": result.image,
                  "seconds": result.seconds, "load_seconds": result.load_seconds,
                  "height": result.image.shape[0], "width": result.image.shape[1],
                  "note": result.info.get("note", "")}
        if not shows(run_id):  # the photo or painting changed, or a new Run took the panel
            yield ended(run_id)
            return
        shown = panels.output_file(result.image, name)  # one file for every update of this result
        yield shown, panels.stats_text(record), gr.skip()
        if style_image is None:  # nothing to score the style against
            record["scoring"] = False
            yield gr.skip(), panels.stats_text(record), record
            return
        try:
            record["scores"] = helpers.score(result.image, content_image, style_image)
            record["reference"] = helpers.reference_scores(content_image, style_image)
        except Exception as error:  # keep the picture; say the numbers failed
            yield shown, panels.stats_text(record) + "\n\n" + panels.error_text(error), None
            return
        yield ((shown, panels.stats_text(record), record) if shows(run_id)
               else ended(run_id))  # complete for API callers

    run.__name__ = f"run_{name}"
    # named API parameters (gradio_client: strength=0.5) instead of param_4, param_5, ...; the
    # trailing run id defaults to empty (an API call: never superseded)
    run.__signature__ = inspect.Signature([inspect.Parameter(arg, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                           for arg in ("content", "style", "output_size", "include",
                                                       *param_names, "run_id")])
    return run


def shows(run_id: str) -> bool:
    """Whether a finished output may still show: its run goes on, or was stopped after it finished."""
    return helpers.is_live(run_id) or helpers.end_reason(run_id) == helpers.STOPPED


def ended(run_id: str) -> tuple:
    """The last update of a method whose run ended: why, or nothing when a new Run took the panel."""
    reason = helpers.end_reason(run_id)
    if reason in (helpers.STOPPED, helpers.CHANGED):
        return None, STOPPED if reason == helpers.STOPPED else CHANGED, None
    return gr.skip(), gr.skip(), gr.skip()


def starter(registry: dict[str, type[Method]]):
    """Run: validate both images once, start a new run (the previous one ends), reset the panels."""
    def start(previous, content, style, size, *includes):
        side = helpers.output_side(size)
        helpers.read_image(content, "content", side)
        if any(include and method.uses_style for include, method in zip(includes, registry.values())):
            helpers.read_image(style, "style", helpers.STYLE_MAX_SIDE)
        waiting = ["Queued…" if include else SKIPPED for include in includes]
        return [helpers.new_run(previous), *[None] * len(includes), *waiting, *[None] * len(includes),
                TABLE_PLACEHOLDER, None]

    return start


def invalidate(count: int):
    """A new photo or painting: the run in flight ends and nothing computed from the old inputs stays."""
    def changed(run_id):
        helpers.end_run(run_id, helpers.CHANGED)
        return [helpers.NO_RUN, *[None] * count, *[CHANGED] * count, *[None] * count, TABLE_PLACEHOLDER, None]

    return changed


def stop(run_id):
    """Stop: the run ends; its unfinished methods stop at their next report and say so (Gatys
    shows the image it had), finished ones keep their results (each method's own event writes its
    panel, so nothing races it)."""
    helpers.end_run(run_id, helpers.STOPPED)


def refresh_table(run_id, *records):
    table, files = panels.table_and_files(run_id, list(records))
    return table or TABLE_PLACEHOLDER, files


def check_upload(label: str):
    def check(payload):
        if helpers.upload_path(payload):
            helpers.read_image(payload, label, None)

    return check


def build_demo(registry: dict[str, type[Method]]) -> gr.Blocks:
    registry = helpers.compared(registry)  # the reference rows sit under every output, not in a column
    count = len(registry)
    content_examples, style_examples = helpers.example_files()
    with gr.Blocks(title="StyleBench: neural style transfer side by side", fill_width=True) as demo:
        gr.Markdown("# StyleBench\nOne photo, one painting, five neural style transfer methods side by side, "
                    "scored by one judge network. Pick a photo and a painting (or upload your own), press **Run**.")
        # the page's current run id: a hidden component, not a gr.State, so that every event sends it
        # with the photo, painting and settings of the same moment (a State is read when the event runs)
        run_id = gr.Textbox(helpers.API_RUN, visible=False, elem_id="run-id")
        with gr.Tab("Compare"):
            with gr.Row(equal_height=False):
                with gr.Column(scale=2, min_width=300):
                    content = gr.Image(content_examples[0] if content_examples else None, label="Content (photo)",
                                       type="filepath", sources=["upload", "webcam", "clipboard"], height=260,
                                       elem_id="content-image")
                    gr.Examples(content_examples, inputs=content, label="Example photos", examples_per_page=8,
                                elem_id="content-examples")
                with gr.Column(scale=2, min_width=300):
                    style = gr.Image(style_examples[0] if style_examples else None, label="Style (painting)",
                                     type="filepath", sources=["upload", "clipboard"], height=260,
                                     elem_id="style-image")
                    gr.Examples(style_examples, inputs=style, label="Example paintings", examples_per_page=8,
                                elem_id="style-examples")
                with gr.Column(scale=1, min_width=240, elem_id="settings"):
                    with gr.Row():
                        run_button = gr.Button("Run", variant="primary", elem_id="run-button", min_width=100)
                        stop_button = gr.Button("Stop", variant="stop", elem_id="stop-button", min_width=80)
                    size = gr.Slider(*helpers.OUTPUT_SIDES, value=DEFAULT_SIZE, step=32,
                                     label="Output size (long side, px)", elem_id="output-size",
                                     info=size_info(registry))
                    gr.Markdown("<small>A new photo or painting or a new Run clears the run in flight; Stop ends it, "
                                "keeping finished outputs and Gatys' image so far. Untick a method to skip it; "
                                "its parameters are under its picture.</small>")
            includes, images, texts, records, controls = [], [], [], [], []
            with gr.Row(equal_height=False, elem_id="method-grid"):
                for name, method in registry.items():
                    with gr.Column(elem_classes="method-panel", elem_id=f"panel-{name}", variant="panel",
                                   min_width=0):
                        note = "" if method.uses_style else " · ignores the style image"
                        gr.Markdown(f"### {method.title}\n<small>{method.family}{note}</small>")
                        includes.append(gr.Checkbox(True, label="include", elem_id=f"include-{name}"))
                        images.append(gr.Image(label=method.title, show_label=False, format="png", interactive=False,
                                               buttons=["download", "fullscreen"], elem_id=f"output-{name}"))
                        texts.append(gr.Markdown("", elem_id=f"stats-{name}", elem_classes="method-stats"))
                        records.append(gr.State(None))
                        with gr.Accordion("Parameters", open=False):
                            controls.append([param_control(name, param) for param in method.params])
            gr.Markdown("<small>Every output is computed at the output size and shown scaled to its column; "
                        "its full-screen button shows it at full size.</small>")
            gr.Markdown("### Comparison")
            table = gr.Markdown(TABLE_PLACEHOLDER, elem_id="comparison")
            downloads = gr.File(label="Download the outputs (PNG) and the table with every raw score (CSV)",
                                file_count="multiple", interactive=False, height=140, elem_id="downloads")
        with gr.Tab("About the methods"):
            gr.Markdown(app_about.about_markdown(registry, panels.judge_name()), latex_delimiters=[
                {"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}])

        for image_input, label in ((content, "content"), (style, "style")):
            image_input.upload(check_upload(label), image_input, None, preprocess=False,
                               show_progress="hidden", api_visibility="private")
        for name, method_controls in zip(registry, controls):  # a method's own size follows the output size
            for param, control in zip(registry[name].params, method_controls):
                if param.name == "size":
                    size.change(lambda value, cap=param.high: min(value, cap), size, control, show_progress="hidden",
                                api_visibility="private")

        cleared = [*images, *texts, *records, table, downloads]  # what Run and a new photo or painting reset
        started = run_button.click(starter(registry), [run_id, content, style, size, *includes], [run_id, *cleared],
                                   preprocess=False, show_progress="hidden", api_visibility="private")
        for index, (name, method) in enumerate(registry.items()):
            event = started.success(
                method_runner(name, method), [content, style, size, includes[index], *controls[index], run_id],
                [images[index], texts[index], records[index]], preprocess=False, api_name=f"run_{name}",
                # each method in its own queue, as many at once as it runs (max_concurrent): the VAE with
                # a cached per-style model (0.3 s) never waits behind Gatys, nor AdaIN behind CycleGAN training
                concurrency_limit=method.max_concurrent or FAST_CONCURRENCY, concurrency_id=name,
                show_progress="minimal", trigger_mode="always_last")
            event.then(  # one at a time, in order, so the last refresh sees every finished method
                refresh_table, [run_id, *records], [table, downloads],
                show_progress="hidden", api_visibility="private", concurrency_limit=1, concurrency_id="table")
        # no `cancels=` on Run, Stop or a changed input (see app_helpers' runs): an ended run's events
        # stop by themselves; a trigger_mode of always_last queues a new run's event behind the old one
        run_button.click(None, None, None, js=SCROLL_TO_RESULTS)
        stop_button.click(stop, run_id, None, show_progress="hidden", api_visibility="private")
        for image_input in (content, style):
            image_input.change(invalidate(count), run_id, [run_id, *cleared], show_progress="hidden",
                               api_visibility="private")
    demo.page_css = page_css(count)
    return demo


def launch(blocks: gr.Blocks, **kwargs):
    """Serve with the queue and upload limit; kwargs go to launch (tests pass a port)."""
    import_tensorflow_quietly()  # its native start-up lines would alarm CPU users
    return blocks.queue(max_size=64, default_concurrency_limit=FAST_CONCURRENCY).launch(
        max_file_size=MAX_FILE_SIZE, css=getattr(blocks, "page_css", None), theme=gr.themes.Soft(), **kwargs)


demo = build_demo(REGISTRY)

if __name__ == "__main__":
    launch(demo)
