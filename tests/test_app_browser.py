"""The demo in a real browser: Playwright driving Debian's headless Chromium
(`apt-get install -y chromium`; `.ci/run` installs it) against the app served on 127.0.0.1 with
no image mirror (tests/app_server.py), as a Hugging Face Space serves it.

Screenshots go to $STYLEBENCH_ARTIFACTS (default tests/artifacts/).
"""
from __future__ import annotations

import os
import re
import struct
import time
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from methods import REGISTRY
from methods.core import manifest as imageset
from tests import app_server
from ui.page import EXAMPLES_PER_PAGE
from ui.scoring import compared

CHROMIUM = os.environ.get("STYLEBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COLUMNS = compared(REGISTRY)  # the reference rows have no column of their own
ARTIFACTS = Path(os.environ.get("STYLEBENCH_ARTIFACTS", Path(__file__).parent / "artifacts"))
DESKTOP = {"width": 1400, "height": 1000}
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# small settings typed into the page, so the whole run takes seconds
UI_SETTINGS = {"output-size": 128, "param-gatys-steps": 20, "param-gatys-levels": 1, "param-vae-steps": 20}
SLOW_GATYS = {"param-gatys-steps": 2000}  # long enough to change the painting or press Stop mid-run
NUMBERS = re.compile(r"runtime\s+[\d.]+ s[\s\S]*?style-loss ratio ↓\s+-?\d\.\d{3}\s+-?\d\.\d{3}\s+"
                     r"texture ratio ↓\s+-?\d\.\d{3}\s+-?\d\.\d{3}\s+style gain ↑\s+-?\d\.\d{3}\s+-?\d\.\d{3}\s+"
                     r"SSIM ↑\s+-?\d\.\d{3}\s+-?\d\.\d{3}[\s\S]*colour transfer")
CHANGED = "The photo or painting changed"
FITS = "element => element.scrollWidth <= element.clientWidth + 1"  # nothing cut off or scrolling sideways
# words a browser split over two lines ("SSI M", "runtim e"): every word of the text under `root`
# ("style-loss" may break after its hyphen)
BROKEN_WORDS = """root => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, words = /[^\\s-]+/g;  // a break after a hyphen splits no word
    let match;
    while ((match = words.exec(node.textContent))) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def browser():
    url = app_server.url()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        browser.app_url = url
        yield browser
        browser.close()


def open_page(browser, viewport=DESKTOP):
    page = browser.new_page(viewport=viewport)
    page.goto(browser.app_url)
    expect(page.locator("#run-button")).to_be_visible(timeout=60_000)
    return page


@pytest.fixture(scope="module")
def page(browser):
    page = open_page(browser)
    yield page
    page.close()


def type_number(page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def set_params(page, settings: dict) -> None:
    """Type settings into the page; method parameters live in closed accordions."""
    for name in COLUMNS:
        page.locator(f"#panel-{name}").get_by_text("Parameters").click()
    for elem_id, value in settings.items():
        if page.locator(f"#{elem_id}").count():
            type_number(page, elem_id, value)
    for name in COLUMNS:
        page.locator(f"#panel-{name}").get_by_text("Parameters").click()


def pick(page, examples: str, index: int) -> None:
    page.locator(f"#{examples} .gallery-item").nth(index).click()


def expect_all_done(page, timeout=150_000) -> None:
    for name in COLUMNS:
        expect(page.locator(f"#stats-{name}")).to_contain_text(NUMBERS, timeout=timeout, use_inner_text=True)
        expect(page.locator(f"#output-{name} img")).to_be_visible()
    for method in COLUMNS.values():
        expect(page.locator("#comparison")).to_contain_text(method.title, timeout=30_000)


def natural_width(page, selector: str, timeout_s: float = 30) -> int:
    """The loaded image's width in pixels (the element may be replaced while its file loads)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.locator(selector).scroll_into_view_if_needed()  # Gradio's images load lazily
        width = page.locator(selector).evaluate("img => img.complete ? img.naturalWidth : 0")
        if width:
            return width
        page.wait_for_timeout(200)
    state = page.locator(selector).evaluate("img => [img.src, img.complete, img.naturalWidth, img.outerHTML]")
    status = page.request.get(state[0]).status if state[0].startswith("http") else None
    raise AssertionError(f"{selector} did not load in {timeout_s} s: {state}, HTTP {status}")


def tops(page, part: str = "panel") -> list[float]:
    return [page.locator(f"#{part}-{name}").bounding_box()["y"] for name in COLUMNS]


def on_screen(page, selector: str, viewport: dict) -> bool:
    """Whether the element's top part (100 px, or all of it) is inside the browser window."""
    box = page.locator(selector).bounding_box()
    return box is not None and 0 <= box["y"] and box["y"] + min(box["height"], 100) <= viewport["height"]


def choose(page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_every_example_appears_without_an_image_mirror(page):
    """The server has no ../shared and an empty cache: the shipped copies and the skimage wheel, a page
    of thumbnails at a time."""
    for elem_id, entries in (("content-examples", imageset.CONTENTS), ("style-examples", imageset.STYLES)):
        items = page.locator(f"#{elem_id} .gallery-item")
        pages = -(-len(entries) // EXAMPLES_PER_PAGE)
        for number in range(pages):
            if pages > 1:
                page.locator(f"#{elem_id} .paginate button").nth(number).click()
            shown = min(EXAMPLES_PER_PAGE, len(entries) - number * EXAMPLES_PER_PAGE)
            expect(items).to_have_count(shown)
            for index in range(shown):
                image = items.nth(index).locator("img")
                expect(image).to_be_visible()
                expect(items.nth(index).locator(".example-caption")).to_contain_text(" · ")  # title · artist
                page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        if pages > 1:
            page.locator(f"#{elem_id} .paginate button").first.click()  # back to the first page for later tests
    expect(page.locator("#style-examples .gallery-item").first).to_contain_text(
        "The Starry Night, 1889 · Vincent van Gogh")
    expect(page.locator("#content-image img")).to_be_visible()  # a photo and a painting are already chosen
    expect(page.locator("#style-image img")).to_be_visible()


def test_method_columns_sit_in_one_row_from_1280_px_and_two_per_row_below(page):
    try:
        for width, height in ((1400, 1000), (1280, 800), (1920, 1080)):
            page.set_viewport_size({"width": width, "height": height})
            assert max(tops(page)) - min(tops(page)) < 2, (width, tops(page))
        page.set_viewport_size({"width": 1024, "height": 768})
        rows = sorted({round(top) for top in tops(page)})
        assert len(rows) == (len(COLUMNS) + 1) // 2, tops(page)
    finally:
        page.set_viewport_size(DESKTOP)


def test_examples_run_every_method_and_show_numbers(page):
    """At 1280x800: Run brings the outputs onto the screen with Run and Stop still there, the images line
    up, the numbers fit their columns."""
    page.set_viewport_size(LAPTOP)
    try:
        run_every_method_at_1280(page)
    finally:
        page.set_viewport_size(DESKTOP)


def run_every_method_at_1280(page):
    pick(page, "content-examples", 0)  # the astronaut
    pick(page, "style-examples", 0)  # The Starry Night
    expect(page.locator("#content-image img")).to_be_visible()
    expect(page.locator("#style-image img")).to_be_visible()
    set_params(page, UI_SETTINGS)
    expect(page.locator("#param-gatys-size input[type=number]")).to_have_value("128")  # Gatys' size follows

    page.locator("#run-button").click()
    expect(page.locator("#stats-magenta")).to_contain_text(NUMBERS, timeout=150_000, use_inner_text=True)
    page.wait_for_timeout(1_000)  # the smooth scroll
    for selector in ("#output-magenta img", "#stats-magenta", "#run-button", "#stop-button"):
        assert on_screen(page, selector, LAPTOP), (selector, page.locator(selector).bounding_box())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "app_1280.png")  # the first screen after Run
    expect_all_done(page)
    page.screenshot(path=ARTIFACTS / "app_1280_numbers.png")  # every column with its numbers
    assert max(tops(page, "output")) - min(tops(page, "output")) < 2, tops(page, "output")  # the images line up
    for name in COLUMNS:  # each panel's numbers fit its column, no word split
        assert page.locator(f"#stats-{name}").evaluate(FITS), f"{name}'s numbers are cut off at 1280 px"
        assert page.locator(f"#stats-{name}").evaluate(BROKEN_WORDS) == [], name
    assert page.get_by_text("Output size", exact=True).bounding_box()["height"] < 30  # its label on one line
    for name in COLUMNS:  # a download each, every output at the same size, no label over the picture
        expect(page.locator("#downloads")).to_contain_text(f"stylebench_{name}", timeout=30_000)
        assert natural_width(page, f"#output-{name} img") == 128
        expect(page.locator(f"#output-{name} [data-testid='block-label']")).to_be_hidden()
    expect(page.locator("#downloads")).to_contain_text("stylebench_comparison")
    expect(page.locator("#comparison")).to_contain_text("colour transfer (reference)")
    assert page.locator("#comparison").evaluate(FITS), "the comparison table is cut off at 1280 px"
    assert page.locator("#comparison td strong").count() >= 4  # the best value of every score
    for name in COLUMNS:  # each output says what it was computed from
        expect(page.locator(f"#stats-{name}")).to_contain_text("photo astronaut.png · painting starry_night.jpg")

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "app_compare.png", full_page=True)
    page.get_by_role("tab", name="About the methods").click()
    expect(page.get_by_text("cycle consistency").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "app_about.png", full_page=True)
    page.get_by_role("tab", name="Compare").click()


def test_a_new_painting_mid_run_leaves_nothing_of_the_old_one(page):
    """Run with one painting, change it while Gatys is still optimising, run again: no output,
    number or table row computed from the first painting may remain or arrive late."""
    pick(page, "style-examples", 0)  # The Starry Night
    set_params(page, {**UI_SETTINGS, **SLOW_GATYS})
    page.locator("#run-button").click()
    expect(page.locator("#stats-magenta")).to_contain_text(NUMBERS, timeout=60_000, use_inner_text=True)
    expect(page.locator("#stats-gatys")).to_contain_text("Running", timeout=60_000)

    previous = page.locator("#previous")  # Run folded the finished comparison away, labelled
    expect(previous).to_contain_text("Previous comparison: photo astronaut.png · painting starry_night.jpg")
    pick(page, "style-examples", 1)  # The Great Wave, mid-run
    for name in COLUMNS:
        expect(page.locator(f"#stats-{name}")).to_contain_text(CHANGED, timeout=10_000)
        expect(page.locator(f"#output-{name} img")).to_have_count(0)
    expect(page.locator("#comparison")).not_to_contain_text("starry_night")
    page.wait_for_timeout(3_000)  # nothing of the cancelled run arrives late
    for name in COLUMNS:
        expect(page.locator(f"#stats-{name}")).to_contain_text(CHANGED)
        expect(page.locator(f"#output-{name} img")).to_have_count(0)

    set_params(page, UI_SETTINGS)
    page.locator("#run-button").click()
    expect_all_done(page)
    for name in COLUMNS:
        expect(page.locator(f"#stats-{name}")).to_contain_text("painting great_wave.jpg")
        expect(page.locator(f"#stats-{name}")).not_to_contain_text("starry_night")
    expect(page.locator("#comparison")).to_contain_text("painting great_wave.jpg")
    expect(page.locator("#comparison")).not_to_contain_text("starry_night")
    expect(page.locator("#comparison tbody tr")).to_have_count(len(COLUMNS) + 1)  # + the colour transfer
    # the example click mid-run did not replace the last finished comparison: it is still one click away
    expect(previous).to_contain_text("Previous comparison: photo astronaut.png · painting starry_night.jpg")
    previous.get_by_text("Previous comparison").click()
    expect(page.locator("#previous-table")).to_contain_text(COLUMNS["gatys"].title)
    expect(page.locator("#previous-table")).to_contain_text("painting starry_night.jpg")
    previous.get_by_text("Previous comparison").click()


def test_stop_keeps_finished_outputs_and_gatys_image_so_far(page):
    """Stop while Gatys optimises: Magenta's finished output stays, Gatys shows the image it had,
    says how far it got and is scored and tabled like any output; the VAE says "Stopped."."""
    set_params(page, {**UI_SETTINGS, **SLOW_GATYS, "param-vae-steps": 400})
    page.locator("#run-button").click()
    expect(page.locator("#stats-magenta")).not_to_contain_text("SSIM", timeout=10_000)  # this run's panels
    expect(page.locator("#stats-gatys")).to_contain_text(re.compile(r"step [1-9]\d*/"), timeout=60_000)
    expect(page.locator("#stats-magenta")).to_contain_text(NUMBERS, timeout=60_000, use_inner_text=True)
    page.locator("#stop-button").click()
    stopped_gatys = re.compile(r"Stopped by the user at \d+%: the image so far\.")
    expect(page.locator("#stats-gatys")).to_contain_text(stopped_gatys, timeout=10_000)
    expect(page.locator("#stats-vae")).to_have_text("Stopped.", timeout=10_000)  # stopped mid-run or queued
    expect(page.locator("#output-vae img")).to_have_count(0)
    expect(page.locator("#stats-gatys")).to_contain_text(NUMBERS, timeout=30_000, use_inner_text=True)
    expect(page.locator("#output-gatys img")).to_be_visible()
    expect(page.locator("#comparison")).to_contain_text(re.compile(
        re.escape(COLUMNS["gatys"].title) + r"\s+[\d.]+ s \(stopped by the user at \d+%: the image so far\)"),
        timeout=30_000)
    page.wait_for_timeout(3_000)  # nothing else of the stopped run arrives late
    expect(page.locator("#stats-vae")).to_have_text("Stopped.")
    expect(page.locator("#stats-magenta")).to_contain_text(NUMBERS, use_inner_text=True)  # finished: kept
    expect(page.locator("#comparison")).to_contain_text(COLUMNS["magenta"].title)
    expect(page.locator("#comparison")).to_contain_text(re.compile(  # its row says it stopped
        re.escape(COLUMNS["vae"].title) + r"\s+stopped before it finished"))
    set_params(page, UI_SETTINGS)


def test_a_failed_method_keeps_its_row(page):
    """Gatys on a network whose weights this offline server lacks: its panel says so and the
    comparison keeps a row for it beside Magenta's numbers."""
    for name in COLUMNS:
        if name not in ("gatys", "magenta"):
            page.locator(f"#include-{name} input").uncheck()
    page.locator("#panel-gatys").get_by_text("Parameters").click()
    choose(page, "param-gatys-backbone", "vgg19_imagenet")
    try:
        page.locator("#run-button").click()
        expect(page.locator("#stats-gatys")).to_contain_text("Weights unavailable", timeout=60_000)
        expect(page.locator("#comparison")).to_contain_text(re.compile(
            re.escape(COLUMNS["gatys"].title) + r"\s+failed \(Weights unavailable\)"), timeout=60_000)
        expect(page.locator("#comparison")).to_contain_text(COLUMNS["magenta"].title, timeout=60_000)
        page.locator("#comparison").scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "app_failed_row.png")
    finally:
        choose(page, "param-gatys-backbone", "vgg16_hed")
        page.locator("#panel-gatys").get_by_text("Parameters").click()
        for name in COLUMNS:
            page.locator(f"#include-{name} input").check()


def test_phone_run_is_on_the_first_screen_and_numbers_are_readable(browser):
    page = open_page(browser, PHONE)
    try:
        box = page.locator("#run-button").bounding_box()
        assert page.evaluate("window.scrollY") == 0, box
        assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"], box
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=ARTIFACTS / "app_phone_top.png")
        for name in COLUMNS:  # AdaIN alone: its numbers in a phone-wide column
            if name != "magenta":
                page.locator(f"#include-{name} input").uncheck()
        type_number(page, "output-size", 128)
        page.locator("#run-button").click()
        expect(page.locator("#stats-magenta")).to_contain_text(NUMBERS, timeout=60_000, use_inner_text=True)
        page.wait_for_timeout(1_000)  # the smooth scroll
        grid = page.locator("#method-grid").bounding_box()
        assert page.evaluate("window.scrollY") > 0 and grid["y"] < PHONE["height"] / 2, grid  # scrolled to the results
        for selector in ("#run-button", "#stop-button"):  # the Run/Stop strip stays at the top
            assert on_screen(page, selector, PHONE), (selector, page.locator(selector).bounding_box())
        page.screenshot(path=ARTIFACTS / "app_phone_results.png")
        expect(page.locator("#downloads")).to_contain_text("stylebench_magenta", timeout=30_000)
        for elem_id in ("stats-magenta", "comparison"):
            assert page.locator(f"#{elem_id}").evaluate(BROKEN_WORDS) == [], elem_id
        for elem_id in ("stats-magenta", "comparison"):  # cards, not a table scrolling sideways
            assert page.locator(f"#{elem_id}").evaluate(FITS), f"#{elem_id} is wider than a phone"
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        stems = page.locator("#downloads .stem")
        assert stems.count() >= 2 and all(stems.nth(i).evaluate(FITS) for i in range(stems.count()))  # whole names
        page.locator("#comparison").scroll_into_view_if_needed()
        page.screenshot(path=ARTIFACTS / "app_phone_comparison.png")
        page.screenshot(path=ARTIFACTS / "app_phone.png", full_page=True)
    finally:
        page.close()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height: a decompression bomb's first bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


BAD_UPLOADS = {
    "notes.png": (b"this is a text file, not a picture\n", "not an image file"),
    "dot.png": (None, "both sides need at least 16 px"),
    # 1.6 G pixels, over the app's limit and over what Chromium will draw: a header claiming 20000 x 20000
    # is refused by the app just the same, but the browser then spends half a minute drawing its preview
    "bomb.png": (png_claiming(40000, 40000), "too large to decode safely"),
}


@pytest.mark.parametrize("filename", sorted(BAD_UPLOADS))
def test_bad_upload_shows_a_readable_error(page, tmp_path, filename):
    data, expected = BAD_UPLOADS[filename]
    path = tmp_path / filename
    if data is None:
        from PIL import Image

        Image.new("RGB", (1, 1), "red").save(path)
    else:
        path.write_bytes(data)
    page.goto(page.url)
    page.locator("#content-image input[type=file]").set_input_files(str(path))
    words = re.compile(f"Photo not usable: .*{expected}")
    error = page.locator('[data-testid="toast-body"]').filter(has_text=words)
    expect(error.first).to_be_visible(timeout=30_000)
    expect(error.first).to_contain_text("Photo not usable")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"app_bad_{Path(filename).stem}.png")
    page.locator("#run-button").click()  # Run refuses it too, with the same words (Gradio stacks them in one toast)
    expect(page.locator('[data-testid="toast-body"]').get_by_text(words)).to_have_count(2)
    expect(page.locator("#stats-magenta")).to_contain_text("Photo not usable")  # the panels say why, too


def test_an_animated_gif_gets_a_first_frame_note(page, tmp_path):
    from PIL import Image
    from skimage import data

    frames = [Image.fromarray(data.astronaut()).resize((128, 128)), Image.fromarray(data.chelsea()).resize((128, 128))]
    path = tmp_path / "moving.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=200, loop=0)
    page.goto(page.url)
    page.locator("#content-image input[type=file]").set_input_files(str(path))
    note = page.locator('[data-testid="toast-body"]').filter(has_text="only its first frame is used")
    expect(note.first).to_be_visible(timeout=30_000)
    expect(note.first).to_contain_text("animated GIF")
