"""The functions the page's events call: one method's column (also its API endpoint), Run, Stop,
a changed photo or painting, the comparison table's refresh, an upload's check.

Every result belongs to a run (ui.runs): Run makes a new run id that every event sends with its
inputs, and each output, its numbers and the comparison table carry the run's inputs. A new Run, a
changed photo or painting, or Stop ends the run in flight: its methods stop at their next progress
report (ui.streaming) and nothing it no longer matches stays on the page; after Stop, finished
outputs stay and Gatys shows the image it had, with its numbers.
"""
from __future__ import annotations

import contextlib
import inspect
import logging
import re
import time

import gradio as gr
import numpy as np

from eval import metrics
from methods import get
from methods.base import Method
from methods.core.images import to_uint8
from ui import inputs, panels, runs, scoring, streaming, table

log = logging.getLogger("stylebench.app")  # failures reach the server log with method and reason
SKIPPED_TEXT = "Skipped (tick *include* to run it)."
CHANGED_TEXT = "The photo or painting changed: press **Run** to compare them."
STOPPED_TEXT = "Stopped."
STOPPING_TEXT = "Stopping…"
COMPARED = re.compile(r"Photo \*\*(.+?)\*\* · painting \*\*(.+?)\*\*")  # a comparison's first line (ui.table)
TABLE_PLACEHOLDER = "Press **Run**: this run's outputs are compared here, best value of every score in bold."


def method_runner(name: str, method_class: type[Method]):
    """The event function of one method's column: a generator streaming (image, text, scores,
    record): `scores` is the result as structured data for API callers (see `structured`).

    Its last input is the page's run id, sent with the inputs it belongs to (empty for API callers):
    once that run is over (a new Run, a changed input, Stop) its method stops at its next progress
    report and it yields nothing more, except after Stop: a method that returns the image it has
    when stopped (Gatys) gets it shown and scored with its note, like any finished output.
    """
    param_names = [param.name for param in method_class.params]

    def run(content, style, size, include, *values_and_run):
        for image, text, record in updates(content, style, size, include, *values_and_run):
            yield image, text, structured(record), record

    def updates(content, style, size, include, *values_and_run):
        *values, run_id = values_and_run
        if not include:  # its record tells the comparison that this method is settled
            yield None, SKIPPED_TEXT, {"run": run_id, "name": name, "title": method_class.title, "status": "skipped"}
            return
        content_image, style_image, source = _read_inputs(method_class, content, style, size)
        method, params = get(name), dict(zip(param_names, values))
        base = {"run": run_id, "inputs": source, "name": name, "title": method_class.title}
        if not runs.is_live(run_id):  # an ended run's event that was still queued
            yield ended(run_id, base)
            return
        if style_image is not None:  # the judge reads the photo and painting while the method runs
            scoring.start_reference_scores(content_image, style_image)
        yield gr.skip(), (panels.loading_text(method_class.title) if streaming.needs_loading(method, params)
                          else "Starting…"), None
        style_input = content_image if style_image is None else style_image
        result = yield from _stream_updates(method, base, content_image, style_input, params)
        if result is None:  # the panel already has its last update
            return
        record = {**base, "image": result.image, "seconds": result.seconds, "load_seconds": result.load_seconds,
                  "height": result.image.shape[0], "width": result.image.shape[1],
                  "note": result.info.get("note", "")}
        if not runs.shows(run_id):  # the photo or painting changed, or a new Run took the panel
            yield ended(run_id, base)
            return
        yield from _scored_updates(record, content_image, style_image)

    run.__name__ = f"run_{name}"
    # named API parameters (gradio_client: strength=0.5) instead of param_4, param_5, ...; the
    # trailing run id defaults to empty (an API call: never superseded)
    run.__signature__ = inspect.Signature([inspect.Parameter(arg, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                                           for arg in ("content", "style", "output_size", "include",
                                                       *param_names, "run_id")])
    return run


def structured(record) -> dict | None:
    """A finished, failed or stopped method's result as data: what it was computed from, its
    status, runtime, every score (NaN as null), the colour transfer's and the verdict; None for
    a skipped method, an ended run or a panel not yet finished (gr.skip() while it runs)."""
    if record is None or not isinstance(record, dict) or "name" not in record:  # gr.skip() is a dict too
        return record if record is None else gr.skip()

    def numbers(scores):
        return {key: (None if np.isnan(value) else float(value)) for key, value in scores.items()} if scores else None

    status = record.get("status") or ("done" if record.get("scores") else "running")
    data = {"method": record["name"], "title": record["title"], **(record.get("inputs") or {}), "status": status}
    if record.get("reason"):
        data["reason"] = record["reason"]
    if "seconds" in record:
        data.update(seconds=record["seconds"], load_seconds=record.get("load_seconds", 0.0),
                    width=record["width"], height=record["height"], note=record.get("note", ""))
    if record.get("scores"):
        reference = record.get("reference")
        data.update(scores=numbers(record["scores"]), colour_transfer=numbers(reference))
        if reference:
            won = [key for key in metrics.STYLE_SCORES if panels.beats(key, record["scores"][key], reference[key])]
            data.update(style_scores_beaten=won, transfers_style=len(won) == len(metrics.STYLE_SCORES),
                        verdict=panels.verdict(record["scores"], reference).replace("**", ""))
    return data


def _read_inputs(method_class: type[Method], content, style, size):
    """(photo, painting or None, what the result will say it was computed from)."""
    side = inputs.output_side(size)  # API callers skip the slider's bounds
    content_image = inputs.read_image(content, "content", side)
    # a method that ignores the style still gets it when given: CycleGAN's auto picks a model
    # by it, and the style scores are measured against it
    style_image = (inputs.read_image(style, "style", inputs.STYLE_MAX_SIDE)
                   if style is not None or method_class.uses_style else None)
    source = {"photo": inputs.input_name(content),
              "painting": inputs.input_name(style) if style_image is not None else "none", "size": side}
    return content_image, style_image, source


def _stream_updates(method: Method, base: dict, content_image, style_image, params: dict):
    """The panel's updates while the method runs; returns its Result, or None once the panel has
    had its last update (the run ended, or the method failed: then its record says so, for the
    comparison table's row)."""
    title, run_id = base["title"], base["run"]
    started, result = None, None  # from the first progress report: loading the networks would inflate the time left
    stream = streaming.stream_stylize(method, content_image, style_image, params,
                                      alive=lambda: runs.is_live(run_id))
    with contextlib.closing(stream):  # closed early (superseded, cancelled): the worker stops
        for kind, *report in stream:
            if kind == "progress":
                fraction, message, preview = report
                started = started or time.monotonic()
                image = to_uint8(preview) if preview is not None else gr.skip()
                yield image, panels.progress_text(title, fraction, message, time.monotonic() - started), gr.skip()
            elif kind == "stopping":
                if runs.end_reason(run_id) != runs.STOPPED:  # a new Run or input: nothing more of this run
                    yield ended(run_id, base)
                    return None
                yield gr.skip(), STOPPING_TEXT, gr.skip()  # Stop answers at once; the image so far may follow
            elif kind == "error":
                failed = {**base, "status": "failed", "reason": panels.error_kind(report[0])}
                log.warning("%s failed: %s: %s", title, failed["reason"], report[0])
                yield (None, panels.error_text(report[0]), failed) if runs.is_live(run_id) else ended(run_id, base)
                return None
            else:
                result = report[0]
    if result is None:  # the run ended mid-way: this is the panel's last update, so never a stale one
        yield ended(run_id, base)
    return result


def _scored_updates(record: dict, content_image, style_image):
    """A finished output shown at once, then with its scores and the colour transfer's."""
    run_id = record["run"]
    shown = table.output_file(record["image"], record["name"])  # one file for every update of this result
    yield shown, panels.stats_text(record), gr.skip()
    if style_image is None:  # nothing to score the style against
        record["scoring"] = False
        yield gr.skip(), panels.stats_text(record), record
        return
    try:
        record["scores"] = scoring.score(record["image"], content_image, style_image)
        record["reference"] = scoring.reference_scores(content_image, style_image)
    except Exception as error:  # keep the picture; say the numbers failed
        record.update(status="failed", reason="scoring " + panels.error_kind(error).lower())
        log.warning("%s: scoring its output failed", record["title"], exc_info=error)
        yield shown, panels.stats_text(record) + "\n\n" + panels.error_text(error), record
        return
    yield ((shown, panels.stats_text(record), record) if runs.shows(run_id)
           else ended(run_id, record))  # complete for API callers


def ended(run_id: str, base: dict | None = None) -> tuple:
    """The last update of a method whose run ended: why, or nothing when a new Run took the panel.
    After Stop, its record (`base`: run, inputs, name, title) says it stopped, so that the
    comparison table keeps a row for it."""
    reason = runs.end_reason(run_id)
    if reason == runs.STOPPED:
        return None, STOPPED_TEXT, {**base, "status": "stopped"} if base else None
    if reason == runs.CHANGED:
        return None, CHANGED_TEXT, None
    return gr.skip(), gr.skip(), gr.skip()


def starter(registry: dict[str, type[Method]]):
    """Run: validate both images once, start a new run (the previous one ends), reset the panels."""
    def start(previous, comparison, content, style, size, *includes):
        side = inputs.output_side(size)
        inputs.read_image(content, "content", side)
        if any(include and method.uses_style for include, method in zip(includes, registry.values())):
            inputs.read_image(style, "style", inputs.STYLE_MAX_SIDE)
        waiting = ["Queued…" if include else SKIPPED_TEXT for include in includes]
        return [runs.new_run(previous), *[None] * len(includes), *waiting, *[None] * len(includes),
                TABLE_PLACEHOLDER, None, *archived(comparison)]

    return start


def invalidate(count: int):
    """A new photo or painting: the run in flight ends and nothing computed from the old inputs stays."""
    def changed(run_id, comparison="", content=None, style=None):
        runs.end_run(run_id, runs.CHANGED)
        text = unusable_text(content, style) or CHANGED_TEXT
        return [runs.NO_RUN, *[None] * count, *[text] * count, *[None] * count, TABLE_PLACEHOLDER, None,
                *archived(comparison)]

    return changed


def unusable_text(content, style) -> str:
    """Why the photo or painting just given cannot be compared, for the panels (a refused Run leaves
    them saying so, not that the inputs merely changed); "" when both are usable or not given yet."""
    for payload, label in ((content, "content"), (style, "style")):
        if inputs.upload_path(payload):
            try:
                inputs.read_image(payload, label, inputs.STYLE_MAX_SIDE)
            except gr.Error as error:
                return error.message  # it opens with what is wrong: "Photo not usable: ..."
    return ""


def archived(comparison: str | None) -> tuple:
    """The folded previous comparison's updates when the page is cleared: it takes the last
    finished comparison, labelled with its photo and painting (a partial one does not replace it)."""
    inputs_line = COMPARED.match(comparison or "")
    if not inputs_line:
        return gr.skip(), gr.skip()
    photo, painting = inputs_line.groups()
    return gr.Accordion(label=f"Previous comparison: photo {photo} · painting {painting}", visible=True), comparison


def stop(run_id):
    """Stop: the run ends; its unfinished methods stop at their next report and say so (Gatys
    shows the image it had), finished ones keep their results (each method's own event writes its
    panel, so nothing races it)."""
    runs.end_run(run_id, runs.STOPPED)


def refresh_table(run_id, *records):
    """The comparison, its downloads and, once every method of the run is settled (done, failed,
    stopped or skipped), the comparison again as the one to fold away when the page moves on."""
    markdown, files = table.table_and_files(run_id, list(records))
    settled = all(record and record.get("run") == run_id for record in records)
    return markdown or TABLE_PLACEHOLDER, files, markdown if markdown and settled else gr.skip()


def check_upload(label: str):
    def check(payload):
        if inputs.upload_path(payload):
            inputs.read_image(payload, label, None)

    return check
