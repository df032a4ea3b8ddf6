"""The page: `build_demo(registry)` lays it out and says which event runs on which control;
`launch` serves it. Building loads no network.

Each method is its own event (api_name "run_<name>"), so every column fills in as soon as its
method is done and one method's failure stays in its own panel.
"""
from __future__ import annotations

import json
import time
from types import SimpleNamespace

import gradio as gr
from gradio_client import handle_file

from methods import import_tensorflow_quietly
from methods.base import Method, Param
from ui import about, events, examples, inputs, runs, scoring, streaming, vote
from ui.panels import TABLE_SCORES

DEFAULT_SIZE = 384  # long side of every output; a method's own `size` parameter follows it
FAST_CONCURRENCY = 2  # a queue's limit where a method sets none (max_concurrent None)
MAX_FILE_SIZE = "15mb"
EXAMPLES_PER_PAGE = 8  # one row of thumbnails per input at 1280 px; the rest on further pages
WIDE, PHONE = 1280, 768  # px: all method columns in one row from WIDE; below PHONE, one column
RUN_STRIP_PX = 64  # the Run/Stop strip that stays at the top of the screen: the results scroll to just below it
# after Run: bring the method columns to the top of the screen (under the Run/Stop strip), on a
# laptop as on a phone, where the inputs take the whole first screen; on a phone, from the first
# ticked method
SCROLL_TO_RESULTS = """() => {
  const panels = [...document.querySelectorAll('#method-grid > .method-panel')];
  const first = panels.find(panel => panel.querySelector('input[type=checkbox]')?.checked);
  const phone = window.innerWidth < PHONE_PX;
  (phone && first || document.getElementById('method-grid'))?.scrollIntoView({behavior: 'smooth', block: 'start'});
}""".replace("PHONE_PX", str(PHONE))
# the thumbnails' captions: gr.Examples' own labels would replace the pictures, so the page writes
# each thumbnail's title and artist under it (again whenever Gradio redraws a page of examples)
CAPTIONS_JS = r"""() => {
  const captions = %s;
  const label = () => document.querySelectorAll('#content-examples .gallery-item, #style-examples .gallery-item')
    .forEach(item => {
      const image = item.querySelector('img');
      const file = image && decodeURIComponent(image.src.split('?')[0].split('/').pop());
      const text = file && captions[file.replace(/\.\w+$/, '')];
      if (!text || item.dataset.caption === text) return;
      item.dataset.caption = text;
      item.title = text;
      const caption = item.querySelector('.example-caption') || item.appendChild(document.createElement('span'));
      caption.className = 'example-caption';
      caption.textContent = text;
    });
  new MutationObserver(label).observe(document.body, {childList: true, subtree: true});
  label();
}"""
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]


def page_css(columns: int) -> str:
    # on a phone each comparison row is a card: one line per score, labelled (a Markdown table has no
    # cell labels of its own, so CSS writes the column titles in front of the cells)
    labels = ["runtime", *(label for _, label in TABLE_SCORES), "beats colour transfer"]
    card_labels = "\n".join(f'#comparison td:nth-child({index})::before {{content: "{label}: "; font-weight: normal}}'
                            for index, label in enumerate(labels, start=2))
    return f"""
#method-grid {{display: grid !important; grid-template-columns: repeat({columns}, minmax(0, 1fr)); gap: 12px;
               align-items: start}}
@media (max-width: {WIDE - 1}px) {{#method-grid {{grid-template-columns: repeat(2, minmax(0, 1fr))}}}}
@media (max-width: {PHONE - 1}px) {{#method-grid {{grid-template-columns: minmax(0, 1fr)}}}}
#method-grid > .method-panel {{min-width: 0 !important; width: auto !important; margin: 0 !important}}
.method-stats table {{font-size: 0.85em; margin: 0; width: 100%}}
.method-stats th, .method-stats td {{padding: 2px 6px !important; word-break: normal !important;
                                     overflow-wrap: normal !important; hyphens: none !important}}
.method-title {{min-height: 8.2em}}
@media (max-width: {PHONE - 1}px) {{.method-title {{min-height: 0}}}}
#comparison {{overflow-x: auto}}
#comparison th, #comparison td {{white-space: nowrap; padding: 4px 8px !important}}
@media (max-width: {PHONE - 1}px) {{
  #comparison table, #comparison tbody, #comparison tr, #comparison td {{display: block; width: auto !important}}
  #comparison thead {{display: none}}
  #comparison tr {{border: 1px solid var(--border-color-primary); border-radius: 6px; margin: 0 0 8px;
                   padding: 4px 0}}
  #comparison td {{white-space: normal; border: none !important; padding: 1px 8px !important}}
  #comparison td:first-child {{font-weight: bold}}
{card_labels}
}}
/* overflow hidden would make the container the sticky strip's scroller, which never scrolls */
.gradio-container {{overflow: clip !important}}
#run-strip {{position: sticky; top: 0; z-index: 20; background: var(--body-background-fill);
           padding: 6px 0; gap: 8px; height: {RUN_STRIP_PX}px; box-sizing: border-box}}
#run-strip button {{max-width: 240px}}
#method-grid, .method-panel {{scroll-margin-top: {RUN_STRIP_PX + 8}px}}
#run-button {{font-size: 1.15em}}
.example-caption {{display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
                   font-size: 0.68em; line-height: 1.2; max-width: 86px; margin: 2px auto 0; white-space: normal}}
#downloads .filename {{display: block; overflow-wrap: anywhere}}  /* the name reads as one line of text */
#downloads .filename .stem {{white-space: normal; overflow: visible}}
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
    return _api_example(_number_control(param, default, common), default)


def _number_control(param: Param, default, common: dict) -> gr.components.Component:
    bounded = param.low is not None and param.high is not None
    if bounded and (param.high - param.low <= 5000 if param.kind == "int" else param.high <= 10):
        step = 1 if param.kind == "int" else (param.high - param.low) / 100
        return gr.Slider(param.low, param.high, value=default, step=step,
                         precision=0 if param.kind == "int" else None, **common)
    return gr.Number(value=default, minimum=param.low, maximum=param.high,
                     precision=0 if param.kind == "int" else None, **common)


def size_info(registry: dict[str, type[Method]]) -> str:
    """What the output size means, with the methods whose own size stops lower (Gatys: 512 px)."""
    caps = [f"{method.title.split(' (')[0]} up to {param.high:.0f} px" for method in registry.values()
            for param in method.params if param.name == "size" and param.high < inputs.OUTPUT_SIDES[1]]
    return "long side in px; every method gets the photo at this size" + (
        f" ({', '.join(caps)}: its time and memory cap)" if caps else "")


def build_demo(registry: dict[str, type[Method]]) -> gr.Blocks:
    registry = scoring.compared(registry)  # the reference rows sit under every output, not in a column
    with gr.Blocks(title="StyleBench: neural style transfer side by side", fill_width=True) as demo:
        gr.Markdown("# StyleBench\nOne photo, one painting, five neural style transfer methods side by side, "
                    "scored by one judge network. Pick a photo and a painting (or upload your own), press **Run**.")
        # the page's current run id: a hidden component, not a gr.State, so that every event sends it
        # with the photo, painting and settings of the same moment (a State is read when the event runs)
        run_id = _api_example(gr.Textbox(
            runs.API_RUN, visible=False, elem_id="run-id",
            label="run id: the page's own; API callers leave it out (empty: never superseded)"), runs.API_RUN)
        with gr.Tab("Compare"):
            with gr.Row(elem_id="run-strip", equal_height=True):  # stays on screen while the results scroll
                run_button = gr.Button("Run", variant="primary", elem_id="run-button", min_width=100)
                stop_button = gr.Button("Stop", variant="stop", elem_id="stop-button", min_width=80)
            page = _inputs_row(registry)
            page.run_button, page.stop_button = run_button, stop_button
            page.run_id = run_id
            _method_columns(registry, page)
            gr.Markdown("<small>Every output is computed at the output size and shown scaled to its column; "
                        "its full-screen button shows it at full size.</small>")
            gr.Markdown("### Comparison")
            page.table = gr.Markdown(events.TABLE_PLACEHOLDER, elem_id="comparison")
            page.downloads = gr.File(label="Download the outputs (PNG) and the table with every raw score (CSV)",
                                     file_count="multiple", interactive=False, height=140, elem_id="downloads")
            # the last comparison that a new Run or input cleared, folded, until the next one is cleared
            with gr.Accordion("Previous comparison", open=False, visible=False, elem_id="previous") as page.previous:
                page.previous_table = gr.Markdown(elem_id="previous-table")
            page.finished = gr.State("")  # the last comparison whose methods all settled: the one to fold away
        with gr.Tab("Vote"):
            vote.vote_tab(page)
        with gr.Tab("Leaderboard"):
            vote.leaderboard_tab()
        with gr.Tab("About the methods"):
            gr.Markdown(about.about_markdown(registry, scoring.judge_name()), latex_delimiters=LATEX)
        _wire(registry, page)
    demo.page_css = page_css(len(registry))
    demo.registry = registry  # launch() loads their networks before the first Run
    demo.page_js = CAPTIONS_JS % json.dumps(examples.captions())
    return demo


def _inputs_row(registry: dict[str, type[Method]]) -> SimpleNamespace:
    """The photo, the painting, their examples and the output size."""
    content_examples, style_examples = examples.example_files()
    page = SimpleNamespace()
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=300):
            page.content = gr.Image(content_examples[0] if content_examples else None, label="Content (photo)",
                                    type="filepath", sources=["upload", "webcam", "clipboard"], height=260,
                                    elem_id="content-image")
            _api_example(page.content, _public_example(content_examples))
            gr.Examples(content_examples, inputs=page.content, label="Example photos",
                        examples_per_page=EXAMPLES_PER_PAGE, elem_id="content-examples")
        with gr.Column(scale=2, min_width=300):
            page.style = gr.Image(style_examples[0] if style_examples else None, label="Style (painting)",
                                  type="filepath", sources=["upload", "clipboard"], height=260,
                                  elem_id="style-image")
            _api_example(page.style, _public_example(style_examples))
            gr.Examples(style_examples, inputs=page.style, label="Example paintings",
                        examples_per_page=EXAMPLES_PER_PAGE, elem_id="style-examples")
        with gr.Column(scale=1, min_width=240, elem_id="settings"):
            page.size = gr.Slider(*inputs.OUTPUT_SIDES, value=DEFAULT_SIZE, step=32, precision=0,
                                  label="Output size", elem_id="output-size",
                                  info=size_info(registry))
            _api_example(page.size, DEFAULT_SIZE)
            gr.Markdown("<small>A new photo or painting or a new Run clears the run in flight; Stop ends it, "
                        "keeping finished outputs and Gatys' image so far. Untick a method to skip it; "
                        "its parameters are under its picture.</small>")
    return page


def _api_example(component: gr.components.Component, value):
    """The API page's example for an input: the page's own value (its first example photo or
    painting, a setting's default), not Gradio's stock photo or a slider's minimum. Gradio reads it
    from the instance's example_payload."""
    if value is not None:
        component.example_payload = lambda: value
    return component


def _public_example(paths: list[str]) -> dict | None:
    """The first example as a file at its public address: Gradio's API page shows an image input's
    example by URL (a server path would not pass its check on addresses)."""
    url = examples.upstream_url(paths[0]) if paths else None
    return handle_file(url) if url else None


def subtitle(detail: str, family: str) -> str:
    """The small print under a column's heading: the title's bracketed part and the family, once each
    ("optimisation over VGG features", not "optimisation · optimisation over VGG features")."""
    if detail in family or family in detail:
        return max(detail, family, key=len)
    return f"{detail} · {family}" if detail else family


def _method_columns(registry: dict[str, type[Method]], page: SimpleNamespace) -> None:
    """One column per method: include, its output, its numbers, its parameters."""
    page.includes, page.images, page.texts, page.scores, page.records, page.controls = [], [], [], [], [], []
    with gr.Row(equal_height=False, elem_id="method-grid"):
        for name, method in registry.items():
            with gr.Column(elem_classes="method-panel", elem_id=f"panel-{name}", variant="panel", min_width=0):
                note = "" if method.uses_style else " · ignores the style image"
                heading, _, detail = method.title.partition(" (")  # one-line headings: the images line up
                gr.Markdown(f"### {heading}\n<small>{subtitle(detail.rstrip(')'), method.family)}{note}</small>",
                            elem_classes="method-title")
                page.includes.append(gr.Checkbox(True, label="include", elem_id=f"include-{name}"))
                page.images.append(gr.Image(label="output", show_label=False, format="png", interactive=False,
                                            buttons=["download", "fullscreen"], elem_id=f"output-{name}"))
                page.texts.append(gr.Markdown("", label="numbers (Markdown)", elem_id=f"stats-{name}",
                                              elem_classes="method-stats"))
                # the same numbers as data, for API callers (ui.events.structured); the page shows the Markdown
                page.scores.append(gr.JSON(label="scores", visible=False, elem_id=f"scores-{name}"))
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
    # what Run and new inputs reset; the comparison they clear goes to the folded previous one
    cleared = [*page.images, *page.texts, *page.records, page.table, page.downloads, page.previous, page.previous_table]
    started = page.run_button.click(
        events.starter(registry), [run_id, page.finished, page.content, page.style, page.size, *page.includes],
        [run_id, *cleared],
        preprocess=False, show_progress="hidden", api_visibility="private")
    for index, (name, method) in enumerate(registry.items()):
        event = started.success(
            events.method_runner(name, method),
            [page.content, page.style, page.size, page.includes[index], *page.controls[index], run_id],
            [page.images[index], page.texts[index], page.scores[index], page.records[index]], preprocess=False,
            api_name=f"run_{name}",
            # each method in its own queue, as many at once as it runs (max_concurrent): the VAE with
            # a cached per-style model (0.3 s) never waits behind Gatys, nor AdaIN behind CycleGAN training
            concurrency_limit=method.max_concurrent or FAST_CONCURRENCY, concurrency_id=name,
            show_progress="minimal", trigger_mode="always_last")
        event.then(  # one at a time, in order, so the last refresh sees every finished method
            events.refresh_table, [run_id, *page.records], [page.table, page.downloads, page.finished],
            show_progress="hidden", api_visibility="private", concurrency_limit=1, concurrency_id="table")
    # no `cancels=` on Run, Stop or a changed input (see ui.runs): an ended run's events stop by
    # themselves; a trigger_mode of always_last queues a new run's event behind the old one
    page.run_button.click(None, None, None, js=SCROLL_TO_RESULTS)
    page.stop_button.click(events.stop, run_id, None, show_progress="hidden", api_visibility="private")
    for image_input in (page.content, page.style):
        image_input.change(events.invalidate(len(registry)), [run_id, page.finished, page.content, page.style],
                           [run_id, *cleared], preprocess=False, show_progress="hidden", api_visibility="private")


def launch(blocks: gr.Blocks, **kwargs):
    """Serve with the queue and upload limit; kwargs go to launch (tests pass a port). The CSS and
    theme are launch settings in Gradio 6, so `blocks.launch()` alone would serve an unstyled page."""
    import_tensorflow_quietly()  # its native start-up lines would alarm CPU users
    # the page answers once the judge and every column are ready: a first Run that shared the cores with
    # their loading got its numbers 7-8 s after its pictures, instead of within 3 s
    print("Loading the judge and every method's networks before serving the page…", flush=True)
    started = time.monotonic()
    try:
        pair = examples.warm_pair()
    except Exception:  # noqa: BLE001 - an unreadable example: the networks still load, without a run
        pair = (None, None)
    streaming.preload(getattr(blocks, "registry", {}), *pair)
    print(f"Ready in {time.monotonic() - started:.0f} s.", flush=True)
    return blocks.queue(max_size=64, default_concurrency_limit=FAST_CONCURRENCY).launch(
        max_file_size=MAX_FILE_SIZE, css=getattr(blocks, "page_css", None),
        js=getattr(blocks, "page_js", None), theme=gr.themes.Soft(), **kwargs)
