"""eval.protocol's win rule and splits, eval.stats on small tables whose answers are known by hand,
and eval.report on a synthetic run: every file, the words of summary.md, and report.html in a real
browser (Debian's headless Chromium through Playwright, as tests/test_app_browser.py)."""
from __future__ import annotations

import json
import re
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from eval import protocol, report, stats
from eval.metrics import DIRECTIONS, LABELS
from eval.report.page import paired_tests_html
from eval.report.words import CANNOT_TELL, DOES_NOT, NOT_COMPARED, TRANSFERS, plain, verdict
from methods.core import manifest as imageset
from methods.reference import COLOUR_TRANSFER, PHOTO
from tests.test_app_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

PHOTO_SCORES = {"style_loss_ratio": 1.0, "texture_ratio": 1.0, "style_gain": 0.0, "content_loss_ratio": 0.0,
                "ssim": 1.0, "style_similarity": 0.9}


def row(method, content, style, status="ok", **scores) -> dict:
    base = {"method": method, "family": "reference" if method in (PHOTO, COLOUR_TRANSFER) else "test family",
            "title": method.title(), "content": content, "style": style, "status": status,
            "error": "" if status == "ok" else "RuntimeError: no paint left", "params": "{}",
            "key": f"{method}-{content}-{style}", "seconds": 0.5, "load_seconds": 0.0, "first_call": False,
            "cached": False, "info": "{}", "seen_in_training": False}
    if status == "ok":
        base.update({**PHOTO_SCORES, **scores})
    return base


def frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


# -- the protocol ---------------------------------------------------------------------------
def test_a_win_needs_every_style_score_at_once_for_one_pair_or_many():
    baseline = {"style_loss_ratio": 0.8, "texture_ratio": 1.0, "style_gain": 0.2, "ssim": 0.9}
    better_on_all = {"style_loss_ratio": 0.5, "texture_ratio": 0.7, "style_gain": 0.4, "ssim": 0.3}
    assert protocol.beats(better_on_all, baseline) and protocol.missed(better_on_all, baseline) == []
    tied_gain = {**better_on_all, "style_gain": 0.2}  # a tie is not a win
    assert not protocol.beats(tied_gain, baseline) and protocol.missed(tied_gain, baseline) == ["style_gain"]
    assert protocol.beats(tied_gain, baseline, ("texture_ratio", "style_loss_ratio"))
    ours = {s: np.array([better_on_all[s], tied_gain[s]]) for s in baseline}
    assert protocol.beats(ours, baseline).tolist() == [True, False]
    assert protocol.transfers_style(0.51) and not protocol.transfers_style(0.5)


def test_each_named_split_holds_only_the_images_its_purpose_allows():
    for name, split in protocol.SPLITS.items():
        photos = {imageset.split_of(entry.name) for entry in split.photos}
        paintings = {imageset.split_of(entry.name) for entry in split.paintings}
        if split.reportable:  # reported figures: never on an image a network trained on
            assert photos == paintings == {"eval"}, name
        else:
            assert photos <= {"train", "validation"} and paintings == {"train"}, name
    assert len(protocol.split("eval").photos) == 13 and len(protocol.split("eval").paintings) == 14
    assert [e.name for e in protocol.split("quick").photos] == list(imageset.QUICK_CONTENTS)
    folds = protocol.photo_folds()
    assert not set(folds[0]) & set(folds[1]) and len(folds[0] + folds[1]) == 21


def test_a_card_takes_figures_measured_on_the_eval_images_only(tmp_path):
    card = tmp_path / "card.md"
    card.write_text("---\nheld_out: true\n---\n# A model\n")
    with pytest.raises(ValueError, match="eval images only"):
        protocol.write_card(card, "## Measured", protocol.split("validation"), "won 3/4")
    protocol.write_card(card, "## Measured", protocol.split("eval"), "won 40/48", eval_wins="40/48")
    text = card.read_text()
    assert "eval_wins: 40/48" in text and text.rstrip().endswith("## Measured\nwon 40/48")


OWN = json.dumps({"checkpoint": "starry_night", "style_used": True, "note": "recognised your style image"})
STAND_IN = json.dumps({"checkpoint": "great_wave", "style_used": True, "nearest_similarity": 0.81})


def test_cyclegan_rows_are_reported_as_own_generator_or_stand_in_by_what_ran():
    assert protocol.method_variant("cyclegan", OWN) == protocol.OWN_GENERATOR == "cyclegan (own generator)"
    assert protocol.method_variant("cyclegan", json.loads(STAND_IN)) == protocol.STAND_IN == "cyclegan (stand-in)"
    assert protocol.method_variant("cyclegan", json.dumps({"checkpoint": "vintage", "style_used": False})) == "cyclegan"
    assert protocol.method_variant("cyclegan", "{}") == protocol.method_variant("cyclegan", float("nan")) == "cyclegan"
    # a failed job says nothing: its painting's name places it
    assert protocol.method_variant("cyclegan", float("nan"), "the_scream") == protocol.OWN_GENERATOR
    assert protocol.method_variant("cyclegan", float("nan"), "drowned_woman_perov") == protocol.STAND_IN
    assert protocol.method_variant("gatys", STAND_IN) == "gatys"  # only CycleGAN's rows are split


def cyclegan_run() -> pd.DataFrame:
    """CycleGAN on 4 photos x 2 paintings: its own generator wins all 4 pairs of the Starry Night, the
    stand-in 1 of 4 pairs of Cross' Landscape; one more job on the Landscape failed."""
    rows = []
    for i in range(4):
        for style, info, wins in (("starry_night", OWN, True), ("landscape_cross", STAND_IN, i == 0)):
            better = dict(style_loss_ratio=0.4, texture_ratio=0.6, style_gain=0.5)
            rows += [row(COLOUR_TRANSFER, f"c{i}", style, style_loss_ratio=0.8, texture_ratio=1.0, style_gain=0.2),
                     row("cyclegan", f"c{i}", style, info=info, **(better if wins else {"texture_ratio": 1.2})),
                     row("gatys", f"c{i}", style, **better)]
    return frame(*rows, row("cyclegan", "c9", "landscape_cross", status="error"))


def test_cyclegan_gets_a_win_rate_and_interval_per_variant():
    results = cyclegan_run()
    labelled = stats.by_variant(results)
    assert results["method"].tolist().count("cyclegan") == 9  # the table given is not changed
    assert labelled["method"].value_counts()[[protocol.OWN_GENERATOR, protocol.STAND_IN]].tolist() == [4, 5]
    wins = stats.win_rates(labelled).set_index(["method", "score"])
    own, stand_in = (wins.loc[(m, stats.ALL_STYLE)] for m in (protocol.OWN_GENERATOR, protocol.STAND_IN))
    assert (own["n"], own["wins"], own["rate"]) == (4, 4, 1.0) and own["low"] == pytest.approx(stats.wilson(4, 4)[0])
    assert (stand_in["n"], stand_in["wins"], stand_in["rate"]) == (4, 1, 0.25) and stand_in["high"] < own["high"]
    assert wins.loc[("gatys", stats.ALL_STYLE), "n"] == 8
    table = stats.method_table(labelled)
    assert table.loc[protocol.STAND_IN, ["jobs", "errors"]].tolist() == [5, 1] and "cyclegan" not in table.index


def test_the_report_and_the_console_state_cyclegan_twice_with_the_runs_date_and_cpu(tmp_path, monkeypatch):
    monkeypatch.setattr(protocol.weights, "model_card",
                        lambda name: {"eval_looks": 3} if name == "vae_generic" else {"held_out": True})
    env = report.environment({"command": "python -m eval"}, "test judge")
    assert env["eval_looks"] == {"vae_generic": "3"} and env["date"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert protocol.eval_looks(["vae_generic", "vgg16_hed", "cyclegan_great_wave"]) == {"vae_generic": "3"}
    folder = report.write(cyclegan_run().to_dict("records"), tmp_path, env, {}, {})
    summary = (folder / "summary.md").read_text()
    run = summary.split("## Run")[1]  # the run's details close the summary
    assert f"- date: {env['date']} (UTC)" in run and f"- CPU: {env['cpu']}" in run and "vector flags:" in run
    assert "- eval looks while choosing the recipe (model cards' eval_looks): vae_generic 3" in run
    assert "### cyclegan (own generator): transfers style" in summary
    assert "### cyclegan (stand-in): not enough pairs to tell" in summary  # 1 of 4, interval 5-70 %
    assert "| cyclegan (own generator) |" in summary and "| cyclegan (stand-in) |" in summary
    assert set(pd.read_csv(folder / "summary.csv")["method"]) >= {protocol.OWN_GENERATOR, protocol.STAND_IN}
    results = pd.read_csv(folder / "results.csv")
    assert set(results.loc[results["method"] == "cyclegan", "reported_as"]) == {protocol.OWN_GENERATOR,
                                                                                  protocol.STAND_IN}
    page = (folder / "report.html").read_text()
    assert page.count("<b>cyclegan (own generator)</b>") >= 2 and page.count("<b>cyclegan (stand-in)</b>") >= 2
    assert f"<th class=l>date</th><td class=l>{env['date']} (UTC)</td>" in page and "vae_generic: 3" in page
    # one grid column for both variants: a pair has only one of them, and its row keeps one cell per column
    grids = [t.split("</table>")[0] for t in page.split("<table class='grid every'>")[1:]]
    assert len(grids) == 2  # one per painting
    for grid in grids:
        head, body = grid.split("</thead>")
        assert head.count("<th>") == 5 and "<th>cyclegan</th>" in head  # photo, painting, 3 methods
        assert all(r.count("<td>") == 5 for r in body.split("<tr>")[1:]), body
    assert grids[0].count("<b>own generator</b>") == 4 and grids[1].count("<b>stand-in</b>") == 5  # one failed
    lines = report.console_summary(folder, env)
    assert lines[0] == f"run of {env['date']} on {env['cpu']}"
    assert any(line.startswith("  cyclegan (own generator): transfers style") for line in lines)
    assert any(line.startswith("  cyclegan (stand-in): not enough pairs to tell") and "25 %" in line for line in lines)


def test_the_cpu_line_names_the_model_and_its_vector_flags(tmp_path):
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nmodel name\t: Test CPU 9000\nflags\t\t: fpu sse4_2 avx2 "
                                      "avx512f amx_tile\n\nprocessor\t: 1\nmodel name\t: Test CPU 9000\n")
    assert report.cpu(tmp_path / "cpuinfo").startswith("Test CPU 9000, ")
    assert report.cpu(tmp_path / "cpuinfo").endswith("cores; vector flags: sse4_2 avx2 avx512f amx_tile")
    assert "vector flags: none listed" in report.cpu(tmp_path / "missing")


# -- statistics -------------------------------------------------------------------------------
def test_a_win_on_three_of_four_pairs_is_a_rate_of_0_75_and_errored_pairs_are_dropped():
    texture = [(0.8, 0.9), (0.7, 0.9), (0.95, 0.9), (0.5, 0.9)]  # (method, baseline): wins on 3 of 4
    rows = []
    for i, (mine, theirs) in enumerate(texture):
        rows += [row("m", f"c{i}", "s", texture_ratio=mine, style_loss_ratio=0.5, style_gain=0.1 * i),
                 row(COLOUR_TRANSFER, f"c{i}", "s", texture_ratio=theirs, style_loss_ratio=0.8, style_gain=0.15)]
    rows += [row("m", "c9", "s", status="error"), row(COLOUR_TRANSFER, "c9", "s", texture_ratio=2.0)]
    wins = stats.win_rates(frame(*rows)).set_index(["method", "score"])
    texture_row = wins.loc[("m", "texture_ratio")]
    assert (texture_row["n"], texture_row["wins"], texture_row["rate"]) == (4, 3, 0.75)
    assert texture_row["low"] < 0.75 < texture_row["high"] <= 1
    assert wins.loc[("m", "style_loss_ratio"), "wins"] == 4
    assert wins.loc[("m", "style_gain"), "wins"] == 2  # 0.2 and 0.3 beat 0.15; 0.1 does not; 0 ties
    # all at once: pairs 2 and 3 win on gain, but pair 2 loses on texture
    assert wins.loc[("m", stats.ALL_STYLE), ["n", "wins"]].tolist() == [4, 1]
    assert COLOUR_TRANSFER not in wins.index.get_level_values("method")


def test_wilcoxon_of_identical_methods_says_no_difference_and_a_clear_one_is_found():
    rows = []
    for i in range(8):
        same = 0.5 + 0.01 * i
        rows += [row("a", f"c{i}", "s", texture_ratio=same), row("b", f"c{i}", "s", texture_ratio=same),
                 row("worse", f"c{i}", "s", texture_ratio=0.9 + 0.02 * i)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = stats.wilcoxon_table(frame(*rows), "texture_ratio").set_index(["a", "b"])
    assert table.loc[("a", "b"), "p"] == 1.0 and table.loc[("a", "b"), "better"] == ""
    assert table.loc[("a", "worse"), "n"] == 8 and table.loc[("a", "worse"), "p"] < 0.01
    assert table.loc[("a", "worse"), "better"] == "a" and table.loc[("a", "worse"), "median_diff"] < 0
    every = stats.wilcoxon_table(frame(*rows))
    assert set(every["score"]) == set(stats.DIRECTIONS) and len(every) == 3 * len(stats.DIRECTIONS)


def test_per_painting_is_a_method_by_style_table_of_means():
    rows = [row(m, c, s, texture_ratio=v) for m, v in (("a", 0.5), ("b", 0.7))
            for c in ("c1", "c2", "c3") for s in ("s1", "s2")]
    rows.append(row("a", "c1", "s1", status="error"))
    table = stats.per_painting(frame(*rows), "texture_ratio")
    assert table.shape == (2, 2) and list(table.index) == ["a", "b"] and list(table.columns) == ["s1", "s2"]
    assert table.loc["b", "s2"] == pytest.approx(0.7)


def test_mean_ci_brackets_the_mean_and_degenerate_samples_do_not_warn():
    values = np.random.default_rng(1).normal(0.6, 0.1, 30)
    mean, low, high = stats.mean_ci(values)
    assert mean == pytest.approx(values.mean()) and low < mean < high and high - low < 0.2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert stats.mean_ci([0.4]) == (0.4, 0.4, 0.4)
        assert stats.mean_ci([0.3, 0.3, np.nan]) == (0.3, 0.3, 0.3)
        assert all(np.isnan(stats.mean_ci([])))
        assert stats.mean_ci([0.1, 0.2])[1] <= 0.15 <= stats.mean_ci([0.1, 0.2])[2]


def test_method_table_puts_references_first_and_times_warm_calls():
    rows = [row("m", "c1", "s", first_call=True, seconds=9.0, seen_in_training=True),
            row("m", "c2", "s", seconds=1.0), row("m", "c3", "s", seconds=3.0, seen_in_training=True),
            row("m", "c4", "s", status="error"), row(PHOTO, "c1", "s", seconds=0.001)]
    table = stats.method_table(frame(*rows))
    assert list(table.index) == [PHOTO, "m"] and table.loc[PHOTO, "reference"] and not table.loc["m", "reference"]
    assert table.loc["m", ["jobs", "errors", "seen in training"]].tolist() == [4, 1, 2]
    assert table.loc["m", "seconds"] == 2.0 and table.loc["m", "first call seconds"] == 9.0
    assert table.loc[PHOTO, "texture_ratio"] == 1.0 and "rank" not in table


# -- the report ------------------------------------------------------------------------------
CONTENTS, STYLES = ("astronaut", "chelsea"), ("starry_night", "great_wave")


def synthetic_run(folder: Path):
    """Four methods on 2 x 2 pairs: gatys beats the colour transfer on every style score,
    adain only on texture; one adain job failed; gatys trained on the astronaut."""
    rng = np.random.default_rng(0)
    images = {f"content:{c}": rng.random((48, 64, 3), dtype=np.float32) for c in CONTENTS}
    images |= {f"style:{s}": rng.random((64, 64, 3), dtype=np.float32) for s in STYLES}
    rows, outputs = [], {}
    scores = {COLOUR_TRANSFER: dict(style_loss_ratio=0.8, texture_ratio=1.0, style_gain=0.2, ssim=0.9),
              "gatys": dict(style_loss_ratio=0.4, texture_ratio=0.6, style_gain=0.5, ssim=0.5),
              "adain": dict(style_loss_ratio=0.9, texture_ratio=0.8, style_gain=0.1, ssim=0.6)}
    for i, (content, style) in enumerate((c, s) for s in STYLES for c in CONTENTS):
        for method in (PHOTO, COLOUR_TRANSFER, "gatys", "adain"):
            if method == "adain" and i == 3:
                rows.append(row(method, content, style, status="error"))
                continue
            jitter = {k: v + 0.01 * i for k, v in scores.get(method, {}).items()}
            rows.append(row(method, content, style, seconds={"gatys": 30.0 + i, "adain": 0.2}.get(method, 0.01),
                            seen_in_training=method == "gatys" and content == "astronaut",
                            info=json.dumps({"note": "a test note"} if method == "adain" else {}), **jitter))
            path = folder / f"{rows[-1]['key']}.png"
            Image.fromarray((rng.random((48, 64, 3)) * 255).astype(np.uint8)).save(path)
            outputs[rows[-1]["key"]] = path
    env = report.environment({"command": "python -m eval --synthetic " + "--a-very-long-option " * 20, "size": 64,
                              "methods": {"gatys": {"steps": 20, "levels": 1}, "adain": {}}}, "VGG16-HED test judge")
    return rows, env, images, outputs


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    cache = tmp_path_factory.mktemp("cache")
    rows, env, images, outputs = synthetic_run(cache)
    return report.write(rows, tmp_path_factory.mktemp("reports"), env, images, outputs)


def test_the_report_writes_every_file_and_says_plainly_who_transfers_style(written):
    files = {str(p.relative_to(written)) for p in written.rglob("*") if p.is_file()}
    assert files == {"results.csv", "summary.csv", "win_rates.csv", "wilcoxon.csv", "per_painting.csv", "summary.md",
                     "report.html", "contact_sheet.jpg", "plots/pareto.png", "plots/style_scores.png",
                     "plots/style_vs_content.png"}
    assert len(pd.read_csv(written / "results.csv")) == 16
    summary = (written / "summary.md").read_text()
    assert f"| {PHOTO} (reference) |" in summary and f"| {COLOUR_TRANSFER} (reference) |" in summary
    assert "| gatys |" in summary and "mean rank" not in summary
    assert "beats colour transfer on texture_ratio on 100 % (95 % CI" in summary
    assert "### gatys: transfers style beyond a colour transfer" in summary
    assert ("### adain: not enough pairs to tell whether it transfers style beyond a colour transfer\n" in summary
            and "beats it on all 3 style scores at once on 0 % (95 % CI 0–56 %) of 3 pairs" in summary)
    assert "2 of 4 pairs use photos this model was trained on: those are not held-out numbers" in summary
    assert "## Per painting: texture_ratio" in summary and "a test note" in summary and "no paint left" in summary
    assert "VGG16-HED test judge" in summary and "style_gain" in summary.split("## What the scores mean")[1]
    wins = pd.read_csv(written / "win_rates.csv")
    assert set(wins["method"]) == {PHOTO, "gatys", "adain"}
    page = (written / "report.html").read_text()
    assert 'src="plots/' not in page and page.count("data:image/png;base64,") == 3
    # photo, painting, 3 methods, one error: in the first screen's grid (every pair, 4 of them) and under Images
    assert page.count("data:image/jpeg;base64,") == 2 * (4 * (2 + 3) - 1)


def test_the_page_reads_answer_first_then_the_scores_then_the_tables_then_the_run(written):
    page = (written / "report.html").read_text()
    marks = ["<section id=verdicts>", "<section class=first>", "<h2 id=scores>What the scores mean</h2>",
             "<h2 id=details>Per method</h2>", "<h2>Against the colour transfer</h2>", "<h2>Paired tests</h2>",
             "<h2>Per painting</h2>", "<h2>Images</h2>", "<h2>Errors (1)</h2>", "<h2 id=run>The run</h2>"]
    assert [page.index(mark) for mark in marks] == sorted(page.index(mark) for mark in marks)
    first = page.split("<section class=first>")[1].split("</section>")[0]
    assert "table class='grid small'" in first and 'alt="quality against speed"' in first
    verdicts = {re.search(r"<b>(.*?)</b>", r)[1]: r for r in
                page.split("<section id=verdicts>")[1].split("</section>")[0].split("<tr")[2:]}
    assert list(verdicts) == ["gatys", "adain", PHOTO, COLOUR_TRANSFER]  # the answer first, the references last
    assert ("<span class=yes>transfers style</span>" in verdicts["gatys"]
            and ">100 % <span class=ci>[51, 100]</span> <small>of 4</small>" in verdicts["gatys"])
    assert ("<span class=unsure>not enough pairs to tell</span>" in verdicts["adain"]
            and ">0 % <span class=ci>[0, 56]</span> <small>of 3</small>" in verdicts["adain"])
    for reference in (PHOTO, COLOUR_TRANSFER):  # references keep no verdict of their own
        assert "reference: the " in verdicts[reference] and not re.search("class=(yes|no|unsure)", verdicts[reference])
    # the app's names for the scores, the CSV's only in brackets beside them
    assert all(f"<b>{label}</b> <small class=muted>({score})</small>" in page for score, label in LABELS.items())
    tables = page.split("<h2 id=details>")[1].split("<h2>Images</h2>")[0]
    assert "texture ratio ↓<small>lower is better</small>" in tables
    assert not [score for score in DIRECTIONS if score in tables]


def test_the_report_names_the_scores_as_the_app_does():
    from ui.panels import SHOWN_SCORES

    assert all(LABELS[score] == shown for score, shown in SHOWN_SCORES) and set(LABELS) == set(DIRECTIONS)


def wins_table(*counts) -> pd.DataFrame:
    """The all-style-scores row of a win-rate table: (method, wins, pairs) each."""
    return pd.DataFrame([{"method": m, "score": stats.ALL_STYLE, "n": n, "wins": w, "rate": w / n,
                          "low": stats.wilson(w, n)[0], "high": stats.wilson(w, n)[1]} for m, w, n in counts])


def test_every_method_gets_the_same_words_for_the_same_evidence():
    counts = [("a", 4, 4), ("b", 0, 4), ("c", 1, 4), ("d", 3, 4), ("e", 0, 3), ("f", 40, 48), ("g", 2, 48),
              ("h", 24, 48), ("adain", 1, 4), ("gatys", 1, 4)]
    wins = wins_table(*counts)
    said = {m: verdict(wins, m) for m, _, _ in counts}
    assert {m: v.call for m, v in said.items()} == {
        "a": TRANSFERS, "b": DOES_NOT, "c": CANNOT_TELL, "d": CANNOT_TELL, "e": CANNOT_TELL, "f": TRANSFERS,
        "g": DOES_NOT, "h": CANNOT_TELL, "adain": CANNOT_TELL, "gatys": CANNOT_TELL}
    for v in said.values():  # a call only where the whole interval is on one side of one half
        assert (v.call == TRANSFERS) == (v.low > protocol.MAJORITY)
        assert (v.call == DOES_NOT) == (v.high <= protocol.MAJORITY)
        assert v.sentence.startswith({TRANSFERS: "transfers style", DOES_NOT: "does not transfer style",
                                      CANNOT_TELL: "not enough pairs to tell whether it transfers style"}[v.call])
        assert f"of {v.n} pairs" in v.sentence
    assert said["adain"].sentence == said["gatys"].sentence == said["c"].sentence
    assert "more pairs are needed" not in " ".join(v.sentence for v in said.values())
    assert verdict(wins, "absent").call == NOT_COMPARED


def test_settings_read_as_words_with_no_python_reprs(written):
    assert plain({"gatys": {"steps": 20, "levels": 1}, "adain": {}}) == "gatys: steps 20, levels 1; adain: defaults"
    assert plain({"tensorflow": "2.21.0", "keras": "3.15.1"}) == "tensorflow 2.21.0, keras 3.15.1"
    assert plain(["a", 2, 0.5]) == "a, 2, 0.5" and plain(64) == "64" and plain({"preserve_color": False}) == \
        "preserve_color no"
    page, summary = (written / "report.html").read_text(), (written / "summary.md").read_text()
    run = page.split("<h2 id=run>The run</h2>")[1]
    assert "<th class=l>methods</th><td class=l>gatys: steps 20, levels 1<br>adain: defaults</td>" in run
    assert "<th class=l>size</th><td class=l>64</td>" in run and "<th class=l>packages</th>" in run
    assert "- methods: gatys: steps 20, levels 1; adain: defaults" in summary
    for text in (page, summary):
        words = re.sub(r"data:image/\w+;base64,[\w+/=]+", "", text.split("</style>")[-1])
        assert not re.search(r"\{'|\{\"|\['|': |\bnan\b|\bNone\b", words), re.search(r".{80}(\{'|\{\").{80}", words)


def test_tables_where_nothing_differs_collapse_to_one_line(written):
    page = (written / "report.html").read_text()
    tests = page.split("<h2>Paired tests</h2>")[1].split("<h2>")[0]
    assert tests.count("<p") == 2 and "<table" not in tests  # 4 pairs: nothing is clear, on any score
    assert ("<p class=same><b>No clear difference</b> between any two methods on any of the 6 scores (6 pairs of "
            "methods tested on each).</p>") in tests
    rows = []
    for i in range(8):  # a and b alike; worse clearly worse on the texture ratio, alike on every other score
        same = 0.5 + 0.01 * i
        rows += [row("a", f"c{i}", "s", texture_ratio=same), row("b", f"c{i}", "s", texture_ratio=same),
                 row("worse", f"c{i}", "s", texture_ratio=0.9 + 0.02 * i)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        text = paired_tests_html(stats.wilcoxon_table(frame(*rows)))
    assert text.count("<p class=same>") == len(DIRECTIONS) - 1 and text.count("<table>") == 1
    assert "<summary>texture ratio ↓ (lower is better): 2 of 3 pairs of methods differ clearly</summary>" in text
    assert text.count("<tr>") == 1 + 3  # the header and every pair of methods, the alike pair too


def test_the_pareto_front_is_drawn_even_when_one_method_is_both_fastest_and_best(tmp_path):
    rows, env, images, outputs = synthetic_run(tmp_path)
    for r in rows:
        if r["method"] == "gatys":
            r["seconds"] = 0.1  # faster than adain and better: the front is this one point
    folder = report.write(rows, tmp_path / "reports", env, images, outputs)
    pixels = np.asarray(Image.open(folder / "plots" / "pareto.png").convert("RGB")).astype(int)
    orange = (np.abs(pixels - (0xe6, 0x55, 0x0d)).max(axis=2) < 40).sum()
    assert orange > 600, orange  # the legend's sample alone is about 60 px; the line spans the plot


def test_the_first_screen_at_1280_by_800_holds_the_verdicts_a_grid_and_the_plot_and_the_page_fits(written):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto((written / "report.html").as_uri())
            box = {name: page.locator(selector).first.bounding_box() for name, selector in
                   (("verdicts", "table.verdicts"), ("grid", "table.small"), ("plot", ".first img.plot"),
                    ("scores", "#scores"))}
            assert box["verdicts"]["y"] + box["verdicts"]["height"] <= box["grid"]["y"], box
            for name in ("verdicts", "grid", "plot"):
                assert box[name]["y"] + box[name]["height"] <= 800, (name, box)
            assert box["scores"]["y"] >= box["grid"]["y"] + box["grid"]["height"], box
            # one row per pair: every cell of a grid row starts at the row's top
            tops = page.evaluate("[...document.querySelectorAll('table.grid tbody tr')].map(r => new Set("
                                 "[...r.cells].map(c => Math.round(c.getBoundingClientRect().top))).size)")
            assert tops and set(tops) == {1}, tops
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=ARTIFACTS / "eval_report.png")

            page.set_viewport_size({"width": 1400, "height": 1000})
            for details in page.locator("details").all():  # opened, the widest parts must fit too
                details.evaluate("d => d.open = true")
            sizes = page.evaluate("[...document.images].map(i => [i.alt, i.complete, i.naturalWidth])")
            assert len(sizes) == 3 + 2 * (4 * (2 + 3) - 1) and all(d and w > 0 for _, d, w in sizes), sizes
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        finally:
            browser.close()


def test_a_run_without_references_or_without_any_output_still_writes_a_report(tmp_path):
    rows, env, images, outputs = synthetic_run(tmp_path)
    alone = [r for r in rows if r["method"] == "adain"]
    folder = report.write(alone, tmp_path / "alone", env, images, outputs)
    summary = (folder / "summary.md").read_text()
    assert "| adain |" in summary and f"not compared: the run has no {COLOUR_TRANSFER} outputs" in summary
    failed = [row("adain", c, s, status="error") for c in CONTENTS for s in STYLES]
    folder = report.write(failed, tmp_path / "failed", env, images, {})
    assert "## Errors (4)" in (folder / "summary.md").read_text() and (folder / "report.html").is_file()
