"""python -m eval end to end on tiny inputs with the real fast method (Magenta AdaIN) and the
real judge: reports, resume, failing jobs, bad input, worker processes and Dask."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from eval import imageset, runner
from eval.__main__ import main
from methods import REGISTRY, Method

FAST = ["--methods", "magenta", "--no-progress", "--jobs", "1"]  # in this process: no worker start-up
REPORT_FILES = {"results.csv", "summary.csv", "win_rates.csv", "wilcoxon.csv", "per_painting.csv", "summary.md",
                "report.html", "contact_sheet.jpg", "plots/pareto.png", "plots/style_scores.png",
                "plots/style_vs_content.png"}


class OutOfPaint(Method):
    """A registered method that really fails at run time (test-only)."""

    name, title, family = "out_of_paint", "Out of paint", "test-only failing method"

    def run(self, content, style, params, on_progress, model):
        raise RuntimeError("no paint left")


def report_folders(out: Path) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.is_dir() and p.name != "cache")


def results(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "results.csv")


def test_a_quick_run_writes_every_report_file_and_a_rerun_recomputes_nothing(tmp_path):
    out = tmp_path / "reports"
    assert main(["--quick", "--size", "64", "--out", str(out), *FAST]) == 0
    first, = report_folders(out)
    assert {str(p.relative_to(first)) for p in first.rglob("*") if p.is_file()} == REPORT_FILES
    table = results(first)
    assert len(table) == 12 and (table["status"] == "ok").all() and not table["cached"].any()
    # the reference rows come with every run, for every pair
    assert table.groupby("method").size().to_dict() == {"magenta": 4, "colour_transfer": 4, "photo": 4}
    assert (table.loc[table["method"] == "photo", "texture_ratio"] - 1).abs().max() < 1e-6
    assert set(table["content"]) == set(imageset.QUICK_CONTENTS) and set(table["style"]) == set(imageset.QUICK_STYLES)
    summary = (first / "summary.md").read_text()
    assert "VGG16-HED" in summary and "| magenta |" in summary and "tensorflow 2." in summary and "size: 64" in summary
    assert "### magenta: " in summary and "beats colour transfer on texture_ratio on " in summary  # the verdict
    page = (first / "report.html").read_text()
    assert page.count("<table") >= 2 and 'src="plots/' not in page  # self-contained: plots and thumbnails inline
    assert "data:image/png;base64," in page and "data:image/jpeg;base64," in page

    assert main(["--quick", "--size", "64", "--out", str(out), *FAST]) == 0
    second = report_folders(out)[-1]
    assert second != first and len(report_folders(out)) == 2  # a new folder, the first kept
    again = results(second)
    assert again["cached"].all() and list(again["key"]) == list(table["key"])
    assert again["ssim"].tolist() == pytest.approx(table["ssim"].tolist())


def test_an_interrupted_run_resumes_without_recomputing_finished_jobs(tmp_path):
    images = {kind: [runner.Image(e.name, p := imageset.load(e, 48), runner.digest(p)) for e in entries]
              for kind, entries in (("content", imageset.select(["chelsea", "coffee"], "content")),
                                    ("style", imageset.select(["starry_night", "shipwreck"], "style")))}
    jobs = runner.build_jobs({"magenta": REGISTRY["magenta"]().defaults()}, images["content"], images["style"], "judge")
    cache = runner.ResultsCache(tmp_path / "cache")
    finished = []

    def stop_after_two(row):
        finished.append(row["key"])
        if len(finished) == 2:
            raise KeyboardInterrupt  # what Ctrl-C does between two jobs

    with pytest.raises(KeyboardInterrupt):
        runner.run(jobs, cache, progress=False, on_row=stop_after_two)
    assert sorted(p.stem for p in cache.folder.glob("*.json")) == sorted(finished)
    rows = runner.run(jobs, cache, progress=False)
    assert [r["key"] for r in rows] == [j.key for j in jobs]
    assert {r["key"] for r in rows if r["cached"]} == set(finished)
    assert sum(not r["cached"] for r in rows) == 2 and all(r["status"] == "ok" for r in rows)


def test_jobs_run_pair_by_pair_with_every_method_in_turn(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, "out_of_paint", OutOfPaint)
    images = {kind: [runner.Image(e.name, p := imageset.load(e, 48), runner.digest(p)) for e in entries]
              for kind, entries in (("content", imageset.select(["chelsea", "coffee"], "content")),
                                    ("style", imageset.select(["starry_night"], "style")))}
    methods = {name: REGISTRY[name]().defaults() for name in ("magenta", "out_of_paint")}
    jobs = runner.build_jobs(methods, images["content"], images["style"], "judge")
    assert [j.method for j in jobs] == ["magenta", "magenta", "out_of_paint", "out_of_paint"]  # grid order
    order = []
    rows = runner.run(jobs, runner.ResultsCache(tmp_path / "cache"), progress=False,
                      on_row=lambda row: order.append((row["content"], row["method"])))
    assert order == [("chelsea", "magenta"), ("chelsea", "out_of_paint"), ("coffee", "magenta"), ("coffee", "out_of_paint")]
    assert [r["method"] for r in rows] == ["magenta", "magenta", "out_of_paint", "out_of_paint"]  # rows in grid order


def test_failing_jobs_and_bad_images_become_error_rows_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setitem(REGISTRY, "out_of_paint", OutOfPaint)
    contents, styles = tmp_path / "contents", tmp_path / "styles"
    contents.mkdir(), styles.mkdir()
    shutil.copy(imageset.locate(imageset.MANIFEST["kodim22"]), contents / "barn.png")
    (contents / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not a JPEG")
    shutil.copy(imageset.locate(imageset.MANIFEST["water_lilies"]), styles / "lilies.jpg")
    out = tmp_path / "reports"
    code = main(["--contents", str(contents), "--styles", str(styles), "--size", "64", "--out", str(out),
                 "--methods", "magenta,out_of_paint", "--no-progress", "--jobs", "1"])
    assert code == 1  # some jobs failed; the report is still written
    folder, = report_folders(out)
    table = results(folder).set_index(["method", "content"])
    assert table.loc[("magenta", "barn"), "status"] == "ok"
    assert table.loc[("out_of_paint", "barn"), "error"] == "RuntimeError: no paint left"
    assert "broken" in table.loc[("magenta", "broken"), "error"] and table.loc[("magenta", "broken"), "status"] == "error"
    assert "no paint left" in (folder / "summary.md").read_text() and (folder / "contact_sheet.jpg").is_file()


@pytest.mark.parametrize("argv, message", [
    (["--methods", "picasso"], "unknown method picasso"),
    (["--param", "magenta.strength=lots"], "parameter strength"),
    (["--contents", "/nonexistent/folder"], "no such folder"),
    (["--jobs", "0"], "--jobs"),
])
def test_bad_input_is_one_line_and_exit_status_2(argv, message, tmp_path, capsys):
    assert main([*argv, "--quick", "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("error: ") and message in error and "\n" not in error


def test_worker_processes_and_a_dask_cluster_run_the_same_jobs(tmp_path):
    from distributed import LocalCluster

    common = ["--quick", "--size", "48", *FAST]
    assert main([*common, "--jobs", "2", "--out", str(tmp_path / "processes")]) == 0
    by_processes = results(report_folders(tmp_path / "processes")[0])
    assert not by_processes["worker"].str.endswith(f":{os.getpid()}").any()  # ran in the worker processes
    with LocalCluster(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=None) as cluster:
        assert main([*common, "--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "dask")]) == 0
    by_dask = results(report_folders(tmp_path / "dask")[0])
    assert (by_dask["status"] == "ok").all() and not by_dask["cached"].any()
    assert by_dask["style_loss_ratio"].tolist() == pytest.approx(by_processes["style_loss_ratio"].tolist(), rel=1e-3)


def test_reports_say_when_a_method_ignored_the_style_image(tmp_path):
    from methods.cyclegan.method import IGNORED_STYLE

    out = tmp_path / "reports"
    assert main(["--quick", "--size", "64", "--out", str(out), "--methods", "cyclegan",
                 "--param", "cyclegan.checkpoint=vintage", "--no-progress", "--jobs", "1"]) == 0
    folder, = report_folders(out)
    table = results(folder)
    assert all(json.loads(info)["checkpoint"] == "vintage" for info in table.loc[table["method"] == "cyclegan", "info"])
    summary = (folder / "summary.md").read_text()
    assert "## Method notes (1)" in summary and f"{IGNORED_STYLE} (vintage). | 4 |" in summary
    assert IGNORED_STYLE in (folder / "report.html").read_text()
