"""The eval's results cache and workers under damage: a damaged or unwritable cache entry costs
one recomputation, never a wrong or lost row; concurrent writers never collide; the key changes
with the weights a method uses; images sharing a stem stay apart; and worker processes die with
the eval. Small real images."""
import json
import logging
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from skimage import data

from eval import report, runner
from eval.__main__ import main as eval_main
from methods import get
from methods.core import manifest as imageset
from methods.core import weights
from methods.core.images import load_image, save_image
from tests.conftest import SHARED_STYLES

ROOT = Path(__file__).resolve().parents[1]
STYLE = SHARED_STYLES / "great_wave.jpg"


def test_the_results_cache_key_covers_the_weights_used(weights_env, monkeypatch):
    pixels = load_image(data.chelsea(), 32)
    image = runner.Image("chelsea", pixels, runner.digest(pixels))
    params = get("magenta").defaults()
    normal = runner.job_key("magenta", params, image, image, "judge")
    mirror = weights_env / "mirror"
    mirror.mkdir()
    monkeypatch.setenv("STYLEBENCH_WEIGHTS_DIR", str(mirror))
    packaged = weights.resolve("magenta_predict_onnx").path
    shutil.copy(packaged, mirror / packaged.name)  # the same bytes from another place: the same results
    assert runner.job_key("magenta", params, image, image, "judge") == normal
    (mirror / packaged.name).write_bytes(b"a bad judge file")  # other bytes: the cached rows no longer hold
    assert runner.job_key("magenta", params, image, image, "judge") != normal
    assert runner.weights_used("magenta", params)["magenta_predict_onnx"] == "missing"  # refused, never served
    assert set(runner.weights_used("gatys", get("gatys").defaults())) == {
        "vgg16_hed", "magenta_predict_onnx", "magenta_transform_onnx"}


@pytest.mark.slow
def test_damaged_cache_entries_are_recomputed_once_and_same_stem_photos_stay_apart(tmp_path, caplog, capsys):
    contents, styles, out = tmp_path / "contents", tmp_path / "styles", tmp_path / "reports"
    contents.mkdir(), styles.mkdir()
    save_image(load_image(data.chelsea(), 64), contents / "photo.png")
    save_image(load_image(data.coffee(), 64), contents / "photo.jpg")  # the same stem, another picture
    save_image(load_image(STYLE, 64), styles / "wave.png")
    argv = ["--contents", str(contents), "--styles", str(styles), "--size", "48", "--out", str(out),
            "--methods", "colour_transfer", "--no-progress"]
    assert eval_main(argv) == 0
    first = pd.read_csv(sorted(out.glob("2*"))[-1] / "results.csv")
    assert sorted(first["content"].unique()) == ["photo.jpg", "photo.png"]
    for name in ("photo.png", "photo.jpg"):  # each row shows its own picture
        key = first.loc[(first["method"] == "photo") & (first["content"] == name), "key"].item()
        np.testing.assert_allclose(load_image(out / "cache" / f"{key}.png", None),
                                   load_image(contents / name, 48), atol=1 / 255)

    keys = list(first["key"])
    cache = out / "cache"
    (cache / f"{keys[0]}.json").write_text("[]")
    (cache / f"{keys[1]}.json").write_text("{}")
    (cache / f"{keys[2]}.json").write_text(json.dumps({"key": keys[2], "status": "ok"}))  # fields missing
    (cache / f"{keys[3]}.png").write_bytes(b"\x89PNG\r\n\x1a\n junk")  # a junk PNG beside a good row
    with caplog.at_level(logging.WARNING, logger="eval.runner"):
        assert eval_main(argv) == 0
    second = pd.read_csv(sorted(out.glob("2*"))[-1] / "results.csv")
    assert not second["cached"].any() and (second["status"] == "ok").all()
    damaged = [r for r in caplog.records if "results cache" in r.getMessage()]
    assert sorted(r.getMessage().split()[3] for r in damaged) == sorted(keys[:4])  # one line each
    assert eval_main(argv) == 0  # healed: every entry is served now
    assert pd.read_csv(sorted(out.glob("2*"))[-1] / "results.csv")["cached"].all()


def test_a_report_survives_a_damaged_output_and_a_cache_write_error_keeps_the_row(tmp_path, capsys):
    pixels = [load_image(source, 32) for source in (data.chelsea(), data.coffee())]
    images = [runner.Image(f"p{i}", p, runner.digest(p)) for i, p in enumerate(pixels)]
    jobs = runner.build_jobs({"colour_transfer": {}}, images, images[:1], "judge")
    blocked = tmp_path / "cache_is_a_file"
    blocked.write_text("")
    rows = runner.run(jobs, runner.ResultsCache(blocked), progress=False, judge_side=32)
    assert [r["status"] for r in rows] == ["ok", "ok"] and "could not cache" in capsys.readouterr().err
    cache = runner.ResultsCache(tmp_path / "cache")
    rows = runner.run(jobs, cache, progress=False, judge_side=32)
    cache.image_path(rows[0]["key"]).write_bytes(b"junk")  # damaged after it was served
    outputs = {r["key"]: cache.image_path(r["key"]) for r in rows}
    folder = report.write(rows, tmp_path / "reports", report.environment({}, "judge"),
                          {f"content:{i.name}": i.pixels for i in images}, outputs)
    assert (folder / "report.html").is_file() and (folder / "contact_sheet.jpg").is_file()


def test_concurrent_writers_of_one_cache_entry_never_collide(tmp_path):
    cache = runner.ResultsCache(tmp_path)
    image = load_image(data.chelsea(), 32)
    row = {"key": "k", "method": "m", "content": "c", "style": "s", "status": "ok", "params": "{}"}
    errors, reads = [], []

    def write():
        for n in range(25):
            try:
                cache.put({**row, "n": n}, image)
            except Exception as error:  # noqa: BLE001 - any error is a collision
                errors.append(error)

    def read():
        for _ in range(60):
            reads.append(cache.get("k"))

    threads = [threading.Thread(target=write) for _ in range(4)] + [threading.Thread(target=read)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and all(r is None or r["key"] == "k" for r in reads)
    assert cache.get("k")["n"] in range(25) and sorted(p.name for p in tmp_path.iterdir()) == ["k.json", "k.png"]


def test_images_sharing_a_stem_are_named_by_their_file_names(tmp_path):
    for name in ("photo.png", "photo.jpg", "other.png"):
        save_image(load_image(data.chelsea(), 32), tmp_path / name)
    entries = imageset.folder_entries(tmp_path, "content")
    assert [e.name for e in entries] == ["other", "photo.jpg", "photo.png"]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def test_eval_workers_die_with_their_parent():
    script = textwrap.dedent("""
        import time
        from eval import runner
        executor = runner.Processes(2)
        futures = [executor.pool.submit(time.sleep, 120) for _ in range(2)]
        while len(executor.pool._processes) < 2:
            time.sleep(0.05)
        time.sleep(0.5)
        print(*executor.pool._processes, flush=True)
        time.sleep(120)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        parent.kill()  # what `kill -9` on the eval does
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)
