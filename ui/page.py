"""The page: `build_demo(registry)` lays it out and says which event runs on which control;
`launch` serves it. Building loads no network.

Each method is its own event (api_name "run_<name>"), so every column fills in as soon as its
method is done and one method's failure stays in its own panel.
"""
from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from methods import import_tensorflow_quietly
from methods.base import Method, Param
from ui import about, events, examples, inputs, runs, scoring, vote

DEFAULT_SIZE = 384  # long side of every output; a method's own `size` parameter follows it
FAST_CONCURRENCY = 2  # a queue's limit where a method sets none (max_concurrent None)
MAX_FILE_SIZE = "15mb"
EXAMPLES_PER_PAGE = 8  # one row of thumbnails per input at 1280 px; the rest on further pages
WIDE, PHONE = 1280, 768  # px: all method columns in one row from WIDE; below PHONE, one column and Run first
# after Run: bring the method columns into view when they start below the middle of the screen (phones)
SCROLL_TO_RESULTS = """() => {
  const grid = document.getElementById('method-grid');
  if (grid && grid.getBoundingClientRect().top > window.innerHeight / 2) {
    grid.scrollIntoView({behavior: 'smooth', block: 'start'});
  }
}"""
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]


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
            for param in method.params if param.name == "size" and param.high < inputs.OUTPUT_SIDES[1]]
    return "every method gets the photo at this size" + (f" ({', '.join(caps)}: its time and memory cap)"
                                                         if caps else "")


def build_demo(registry: dict[str, type[Method]]) -> gr.Blocks:
    registry = scoring.compared(registry)  # the reference rows sit under every output, not in a column
    with gr.Blocks(title="StyleBench: neural style transfer side by side", fill_width=True) as demo:
        gr.Markdown("# StyleBench\nOne photo, one painting, five neural style transfer methods side by side, "
                    "scored by one judge network. Pick a photo and a painting (or upload your own), press **Run**.")
        # the page's current run id: a hidden component, not a gr.State, so that every event sends it
        # with the photo, painting and settings of the same moment (a State is read when the event runs)
        run_id = gr.Textbox(runs.API_RUN, visible=False, elem_id="run-id")
        with gr.Tab("Compare"):
            page = _inputs_row(registry)
            page.run_id = run_id
            _method_columns(registry, page)
            gr.Markdown("<small>Every output is computed at the output size and shown scaled to its column; "
                        "its full-screen button shows it at full size.</small>")
            gr.Markdown("### Comparison")
            page.table = gr.Markdown(events.TABLE_PLACEHOLDER, elem_id="comparison")
            page.downloads = gr.File(label="Download the outputs (PNG) and the table with every raw score (CSV)",
                                     file_count="multiple", interactive=False, height=140, elem_id="downloads")
        with gr.Tab("Vote"):
            vote.vote_tab(page)
        with gr.Tab("Leaderboard"):
            vote.leaderboard_tab()
        with gr.Tab("About the methods"):
            gr.Markdown(about.about_markdown(registry, scoring.judge_name()), latex_delimiters=LATEX)
        _wire(registry, page)
    demo.page_css = page_css(len(registry))
    return demo


def _inputs_row(registry: dict[str, type[Method]]) -> SimpleNamespace:
    """The photo, the painting, their examples, Run, Stop and the output size."""
    content_examples, style_examples = examples.example_files()
    page = SimpleNamespace()
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            page.content = gr.Image(content_examples[0] if content_examples else None, label="Content (photo)",
                                    type="filepath", sources=["upload", "webcam", "clipboard"], height=260,
                                    elem_id="content-image")
            gr.Examples(content_examples, inputs=page.content, label="Example photos",
                        examples_per_page=EXAMPLES_PER_PAGE, elem_id="content-examples")
        with gr.Column(scale=2, min_width=300):
            page.style = gr.Image(style_examples[0] if style_examples else None, label="Style (painting)",
                                  type="filepath", sources=["upload", "clipboard"], height=260,
                                  elem_id="style-image")
            gr.Examples(style_examples, inputs=page.style, label="Example paintings",
                        examples_per_page=EXAMPLES_PER_PAGE, elem_id="style-examples")
        with gr.Column(scale=1, min_width=240, elem_id="settings"):
            with gr.Row():
                page.run_button = gr.Button("Run", variant="primary", elem_id="run-button", min_width=100)
                page.stop_button = gr.Button("Stop", variant="stop", elem_id="stop-button", min_width=80)
            page.size = gr.Slider(*inputs.OUTPUT_SIDES, value=DEFAULT_SIZE, step=32,
                                  label="Output size (long side, px)", elem_id="output-size",
                                  info=size_info(registry))
            gr.Markdown("<small>A new photo or painting or a new Run clears the run in flight; Stop ends it, "
                        "keeping finished outputs and Gatys' image so far. Untick a method to skip it; "
                        "its parameters are under its picture.</small>")
    return page


def _method_columns(registry: dict[str, type[Method]], page: SimpleNamespace) -> None:
    """One column per method: include, its output, its numbers, its parameters."""
    page.includes, page.images, page.texts, page.records, page.controls = [], [], [], [], []
    with gr.Row(equal_height=False, elem_id="method-grid"):
        for name, method in registry.items():
            with gr.Column(elem_classes="method-panel", elem_id=f"panel-{name}", variant="panel", min_width=0):
                note = "" if method.uses_style else " · ignores the style image"
                gr.Markdown(f"### {method.title}\n<small>{method.family}{note}</small>")
                page.includes.append(gr.Checkbox(True, label="include", elem_id=f"include-{name}"))
                page.images.append(gr.Image(label=method.title, show_label=False, format="png", interactive=False,
                                            buttons=["download", "fullscreen"], elem_id=f"output-{name}"))
                page.texts.append(gr.Markdown("", elem_id=f"stats-{name}", elem_classes="method-stats"))
                page.records.append(gr.State(None))
                with gr.Accordion("Parameters", open=False):
                    page.controls.append([param_control(name, param) for param in method.params])


def _wire(registry: dict[str, type[Method]], page: SimpleNamespace) -> None:
    """Which event runs on which control."""
    for image_input, label in ((page.content, "content"), (page.style, "style")):
        image_input.upload(events.check_upload(label), image_input, None, preprocess=False,
                           show_progress="hidden", api_visibility="private")
    for name, method_controls in zip(registry, page.controls):  # a method's own size follows the output size
        for param, control in zip(registry[name].params, method_controls):
            if param.name == "size":
                page.size.change(lambda value, cap=param.high: min(value, cap), page.size, control,
                                 show_progress="hidden", api_visibility="private")

    run_id = page.run_id
    cleared = [*page.images, *page.texts, *page.records, page.table, page.downloads]  # what Run and new inputs reset
    started = page.run_button.click(
        events.starter(registry), [run_id, page.content, page.style, page.size, *page.includes], [run_id, *cleared],
        preprocess=False, show_progress="hidden", api_visibility="private")
    for index, (name, method) in enumerate(registry.items()):
        event = started.success(
            events.method_runner(name, method),
            [page.content, page.style, page.size, page.includes[index], *page.controls[index], run_id],
            [page.images[index], page.texts[index], page.records[index]], preprocess=False, api_name=f"run_{name}",
            # each method in its own queue, as many at once as it runs (max_concurrent): the VAE with
            # a cached per-style model (0.3 s) never waits behind Gatys, nor AdaIN behind CycleGAN training
            concurrency_limit=method.max_concurrent or FAST_CONCURRENCY, concurrency_id=name,
            show_progress="minimal", trigger_mode="always_last")
        event.then(  # one at a time, in order, so the last refresh sees every finished method
            events.refresh_table, [run_id, *page.records], [page.table, page.downloads],
            show_progress="hidden", api_visibility="private", concurrency_limit=1, concurrency_id="table")
    # no `cancels=` on Run, Stop or a changed input (see ui.runs): an ended run's events stop by
    # themselves; a trigger_mode of always_last queues a new run's event behind the old one
    page.run_button.click(None, None, None, js=SCROLL_TO_RESULTS)
    page.stop_button.click(events.stop, run_id, None, show_progress="hidden", api_visibility="private")
    for image_input in (page.content, page.style):
        image_input.change(events.invalidate(len(registry)), run_id, [run_id, *cleared], show_progress="hidden",
                           api_visibility="private")


def launch(blocks: gr.Blocks, **kwargs):
    """Serve with the queue and upload limit; kwargs go to launch (tests pass a port). The CSS and
    theme are launch settings in Gradio 6, so `blocks.launch()` alone would serve an unstyled page."""
    import_tensorflow_quietly()  # its native start-up lines would alarm CPU users
    return blocks.queue(max_size=64, default_concurrency_limit=FAST_CONCURRENCY).launch(
        max_file_size=MAX_FILE_SIZE, css=getattr(blocks, "page_css", None), theme=gr.themes.Soft(), **kwargs)
