"""report.html's pictures of the outputs: a small grid of a few pairs for the first screen, and every
pair with its key scores further down. Both are tables, one row per (photo, painting) pair and one
column per method, so a row never wraps however many methods ran; CycleGAN's two variants (its own
generator and a stand-in) share one column, since a pair has only one of them."""
from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import pandas as pd

from eval import protocol, stats
from eval.report.plots import picture_of, pil_image
from eval.report.words import label, num
from methods.reference import PHOTO

THUMB = 160  # long side of the page's thumbnails
FIRST_PAIRS = 4  # pairs in the first screen's grid
GRID_SCORES = ("style_loss_ratio", "texture_ratio", "style_gain", "ssim")  # under each thumbnail
VARIANTS = {protocol.OWN_GENERATOR: "own generator", protocol.STAND_IN: "stand-in"}


def data_uri(picture, kind: str = "JPEG") -> str:
    """An embedded image: a Path or pixels as a THUMB-px JPEG, or a PNG file as it is."""
    if kind == "PNG":
        return "data:image/png;base64," + base64.b64encode(Path(picture).read_bytes()).decode()
    image = pil_image(picture)
    if image is None:
        return ""
    image.thumbnail((THUMB, THUMB))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def breakable(name: str) -> str:
    """A name that may wrap after its underscores and before a parenthesis."""
    return html.escape(name).replace("_", "_<wbr>").replace(" (", " <wbr>(")


class Grid:
    """The run's outputs by pair and column, with each picture embedded once."""

    def __init__(self, results: pd.DataFrame, images: dict, outputs: dict, table: pd.DataFrame):
        self.results, self.images, self.outputs = results, images, outputs
        column_of = {m: protocol.CYCLEGAN if m in VARIANTS else m for m in table.index if m != PHOTO}
        self.columns = list(dict.fromkeys(column_of.values()))
        self.cells: dict[tuple, dict[str, pd.Series]] = {}
        for _, row in results.iterrows():
            self.cells.setdefault((row["content"], row["style"]), {})
            if row["method"] in column_of:
                self.cells[(row["content"], row["style"])][column_of[row["method"]]] = row
            elif row["method"] == PHOTO:
                self.cells[(row["content"], row["style"])]["photo"] = row
        self.styles = list(dict.fromkeys(results["style"]))
        self._uris: dict[tuple, str] = {}

    def contents(self, style) -> list:
        return list(dict.fromkeys(self.results.loc[self.results["style"] == style, "content"]))

    def uri(self, column: str, content, style) -> str:
        """The picture of one cell ('content' and 'style' are the inputs) as a data URI, '' if none."""
        key = ("style", None, style) if column == "style" else ("content", content, None) if column == "content" \
            else (column, content, style)
        if key not in self._uris:
            method = column
            if column not in ("content", "style"):
                row = self.cells.get((content, style), {}).get(column)
                method = row["method"] if row is not None else None
            self._uris[key] = data_uri(picture_of(self.results, self.images, self.outputs, method, content, style)) \
                if method else ""
        return self._uris[key]

    def first_pairs(self) -> list[tuple]:
        """Up to FIRST_PAIRS pairs, one painting after another, so that a few pairs show most paintings."""
        pairs, depth = [], max((len(self.contents(s)) for s in self.styles), default=0)
        for i in range(depth):
            pairs += [(self.contents(s)[i], s) for s in self.styles if i < len(self.contents(s))]
        return pairs[:FIRST_PAIRS]

    def header(self, first: str) -> str:
        return "".join(f"<th>{breakable(name)}</th>" for name in [first, "painting", *self.columns])

    def small(self) -> str:
        """The first screen's grid: photo, painting and every method's output, a few pairs."""
        rows = []
        for content, style in self.first_pairs():
            cells = [self._img("content", content, style, content), self._img("style", content, style, style)]
            for column in self.columns:
                row = self.cells[(content, style)].get(column)
                failed = row is not None and row["status"] != "ok"
                cells.append(f"<span class=no title='{html.escape(str(row['error']))}'>error</span>" if failed
                             else self._img(column, content, style, f"{column}: {content} × {style}"))
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        shown, every = len(rows), len(self.cells)
        caption = (f"{shown} of the {every} pairs; every pair with its scores is under Images below" if shown < every
                   else "every pair; with their scores under Images below")
        return (f"<table class='grid small'><caption>{caption}</caption><thead><tr>{self.header('photo')}</tr>"
                f"</thead><tbody>{''.join(rows)}</tbody></table>")

    def every(self) -> str:
        """Per painting, one row per photo: the photo with the untouched photo's scores, the painting,
        then every method's output with its key scores."""
        scores = stats.present(self.results, GRID_SCORES)
        parts = []
        for number, style in enumerate(self.styles):
            rows = []
            for content in self.contents(style):
                pair = self.cells[(content, style)]
                cells = [self._figure("content", content, style, content, pair.get("photo"), scores),
                         self._figure("style", content, style, style, None, scores)]
                cells += [self._figure(column, content, style, VARIANTS.get(pair[column]["method"], ""), pair[column],
                                       scores) if column in pair else "" for column in self.columns]
                rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
            parts.append(f"<details{' open' if number == 0 else ''}><summary>{html.escape(str(style))} "
                         f"({len(rows)} photos)</summary><table class='grid every'><thead><tr>{self.header('photo')}"
                         f"</tr></thead><tbody>{''.join(rows)}</tbody></table></details>")
        return "".join(parts)

    def _img(self, column, content, style, alt) -> str:
        uri = self.uri(column, content, style)
        return f'<img src="{uri}" alt="{html.escape(str(alt))}">' if uri else "<span class=missing>no output</span>"

    def _figure(self, column, content, style, caption, row, scores) -> str:
        lines = ""
        if row is not None and row["status"] == "ok":
            lines = "".join(f"<br>{label(s)} {num(float(row[s]))}" for s in scores if pd.notna(row[s]))
        elif row is not None:
            lines = f"<br><span class=no>error: {html.escape(str(row['error'])[:80])}</span>"
        return (self._img(column, content, style, caption or column) + (f"<b>{breakable(str(caption))}</b>"
                if caption else "") + f"<small>{lines.removeprefix('<br>')}</small>")
