"""python -m eval end to end on tiny inputs with the real fast method (Magenta AdaIN) and the
real judge: reports, resume, failing jobs, bad input, worker processes and Dask."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from eval import runner
from eval.__main__ import main
from methods import REGISTRY, Method
from methods.core import manifest as imageset

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
    assert order == [("chelsea", "magenta"), ("chelsea", "out_of_paint"),
                     ("coffee", "magenta"), ("coffee", "out_of_paint")]
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
    broken = table.loc[("magenta", "broken")]
    assert "broken" in broken["error"] and broken["status"] == "error"
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


@pytest.mark.slow
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


# -- the cache key: every project file a method's results depend on ------------------------------
def copy_of_the_code(tmp_path: Path) -> Path:
    """The project's Python files (what the key reads), copied under tmp_path."""
    root = Path(__file__).resolve().parents[1]
    skipped = {".git", ".venv", "assets", "tests", "reports", "runs", "__pycache__", "node_modules"}

    def ignore(folder, names):
        return [n for n in names if n in skipped or (Path(folder, n).is_file() and not n.endswith(".py"))]

    return Path(shutil.copytree(root, tmp_path / "tree", ignore=ignore, symlinks=True))


def keys(tree: Path) -> dict[str, str]:
    return {name: runner.source_version(cls.__module__, tree) for name, cls in REGISTRY.items()}


def defining_file(tree: Path, definition: str) -> Path:
    """The one file of methods/ that contains `definition` (wherever the layout puts it)."""
    found = [p for p in (tree / "methods").rglob("*.py") if definition in p.read_text()]
    assert len(found) == 1, (definition, found)
    return found[0]


def edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# an edit\n")


@pytest.mark.parametrize("definition, direct_users", [
    ("def gram(", {"gatys", "vae"}),  # the Gram losses
    ("def train_photo_paths(", {"vae"}),  # the training photos, read by the VAE's per-painting fine-tune
    ("def load_state_dict(", {"cyclegan"}),  # the torch checkpoint reader
])
def test_editing_a_building_block_gives_a_new_key_to_exactly_the_methods_that_use_it(tmp_path, definition,
                                                                                      direct_users):
    tree = copy_of_the_code(tmp_path)
    block, before = defining_file(tree, definition), keys(tree)
    users = {name for name, cls in REGISTRY.items() if block in runner.code_files(cls.__module__, tree)}
    edit(block)
    after = keys(tree)
    changed = {name for name in REGISTRY if after[name] != before[name]}
    assert direct_users <= changed and changed == users
    if block in runner.code_files("eval.metrics", tree):  # the judge uses it: every score column depends on it
        assert changed == set(REGISTRY)


def test_editing_one_method_keeps_every_other_methods_key(tmp_path):
    tree = copy_of_the_code(tmp_path)
    for name in ("gatys", "vae"):
        before = keys(tree)
        edit(tree.joinpath(*REGISTRY[name].__module__.split(".")).with_suffix(".py"))
        after = keys(tree)
        assert {m for m in REGISTRY if after[m] != before[m]} == {name}


MINI_PROJECT = {  # three methods, a shared building block, a package and a judge
    "methods/__init__.py": "from methods.a import A\nfrom methods.b import B\nfrom methods.c import C\n"
                           "REGISTRY = {'a': A, 'b': B, 'c': C}\n\n\n"
                           "def helper():\n    import os\n    return os.name\n",
    "methods/core/__init__.py": "",
    "methods/core/ops.py": "def norm(x):\n    return x\n",
    "methods/core/images.py": "def load(path):\n    return path\n",
    "methods/a.py": "from methods.core import ops\n\n\nclass A:\n    pass\n",
    "methods/b/__init__.py": "from .method import B\n",
    "methods/b/method.py": "class B:\n    def run(self):\n        from ..core.ops import norm  # in a function\n"
                           "        return norm\n",
    "methods/c.py": "from methods import helper\n\n\nclass C:\n    pass\n",
    "eval/__init__.py": "",
    "eval/metrics.py": "from methods.core.images import load\n",
}


@pytest.mark.parametrize("edited, changed", [
    ("methods/core/ops.py", {"methods.a", "methods.b.method"}),  # module-level, relative and function-local
    ("methods/b/method.py", {"methods.b.method"}),
    ("methods/a.py", {"methods.a"}),  # c imports a name of the package, not the package's other imports
    ("methods/core/images.py", {"methods.a", "methods.b.method", "methods.c"}),  # the judge's
    ("methods/__init__.py", {"methods.a", "methods.b.method", "methods.c"}),  # runs on every import
])
def test_the_key_follows_imports_by_path_through_packages(tmp_path, edited, changed):
    for name, text in MINI_PROJECT.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    modules = ("methods.a", "methods.b.method", "methods.c")
    before = {m: runner.source_version(m, tmp_path) for m in modules}
    edit(tmp_path / edited)
    assert {m for m in modules if runner.source_version(m, tmp_path) != before[m]} == changed
