"""Who gets the two cores first on the page: the judge's numbers, then the slow columns.

A server loads and runs every column once before it serves the page (ui.streaming.preload), scores
the colour transfer of a Run's pair once while the methods run (ui.scoring.start_reference_scores),
and a method whose last run took a second or more starts only once the judge is idle. The judge, the
methods and their networks are the real ones; Looping (tests.test_app_api) only reports progress.
"""
from __future__ import annotations

import collections
import threading
import time

import numpy as np
from skimage import data

from eval import metrics
from methods import REGISTRY
from methods.core.images import load_image
from tests.test_app_api import Looping
from ui import examples, scoring, streaming


def idle_judge(timeout: float = 60.0) -> None:
    """Wait until no output or reference is being scored (an earlier test's may still be)."""
    deadline = time.monotonic() + timeout
    while scoring._scoring_now["outputs"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not scoring._scoring_now["outputs"]


def test_a_pair_every_column_asks_for_at_once_is_judged_once(monkeypatch):
    idle_judge()
    monkeypatch.setattr(scoring, "_REFERENCES", collections.OrderedDict())
    monkeypatch.setattr(scoring, "_STARTED", set())
    photo, painting = load_image(data.chelsea(), 96), load_image(data.rocket(), 96)
    judged = []
    real_score = metrics.score
    monkeypatch.setattr(metrics, "score", lambda *images: judged.append(1) or real_score(*images))
    for _ in range(5):  # as every column's event does when the run starts
        scoring.start_reference_scores(photo, painting)
    assert scoring._scoring_now["outputs"] == 1  # the judge counts as busy from the first call
    results = []
    threads = [threading.Thread(target=lambda: results.append(scoring.reference_scores(photo, painting)))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    idle_judge()
    assert len(results) == 4 and all(result == results[0] for result in results)
    assert len(judged) == 1 and set(results[0]) >= set(metrics.STYLE_SCORES)
    assert not scoring._STARTED


def test_a_slow_method_starts_once_the_judge_is_idle_and_a_quick_one_at_once(monkeypatch):
    idle_judge()
    monkeypatch.setattr(streaming, "_LAST_SECONDS", {"looping": 5.0})  # its last run here took 5 s
    image = np.zeros((32, 32, 3), np.float32)
    slow, items = Looping(), []
    with scoring.judging():  # an output being scored when Run is pressed
        consumer = threading.Thread(
            target=lambda: items.extend(streaming.stream_stylize(slow, image, image, {"steps": 20})), daemon=True)
        consumer.start()
        time.sleep(0.5)
        assert slow.steps_done == 0 and not items  # not started: the judge goes first
        streaming._LAST_SECONDS["looping"] = 0.2  # a quick method does not wait
        quick = Looping()
        *_, (kind, result) = list(streaming.stream_stylize(quick, image, image, {"steps": 20}))
        assert kind == "done" and quick.steps_done == 19 and slow.steps_done == 0
    consumer.join(30)
    assert items[-1][0] == "done" and slow.steps_done == 19
    assert streaming._LAST_SECONDS["looping"] < 1.0  # what a run takes is learned from its last run


def test_start_up_loads_and_runs_each_column_once(monkeypatch):
    monkeypatch.setattr(streaming, "_LAST_SECONDS", {})
    monkeypatch.setattr(streaming, "_WARM", set())
    photo, painting = examples.warm_pair()
    assert photo.shape[:2] == (128, 128) and max(painting.shape[:2]) == 128
    quick = {name: REGISTRY[name] for name in ("magenta", "adain")}
    streaming.preload(quick, photo, painting)
    for name, method in quick.items():
        assert not streaming.needs_loading(method(), {}) and 0 < streaming._LAST_SECONDS[name] < 30


class OneAtATime(Looping):
    name, max_concurrent = "one_at_a_time", 1


def test_a_wait_for_the_methods_slot_is_neither_paused_nor_taken_off_its_runtime(monkeypatch):
    idle_judge()
    monkeypatch.setattr(streaming, "LONG_RUN_S", 0.0)  # every running report would pause for the judge
    image, items = np.zeros((32, 32, 3), np.float32), []
    waiting = threading.Thread(target=lambda: items.extend(
        streaming.stream_stylize(OneAtATime(), image, image, {"steps": 40})))
    with OneAtATime()._slot(None):  # another request holds the method's one slot
        with scoring.judging():  # while an output is scored
            waiting.start()
            time.sleep(2.5)  # it reports "waiting: ..." each second meanwhile
    waiting.join(30)
    assert any(item[0] == "progress" and item[2].startswith("waiting: ") for item in items)
    kind, result = items[-1]
    assert kind == "done" and result.seconds >= 0.15, result.seconds  # 40 steps of 5 ms, not less
