"""The demo in a real browser: Playwright driving Debian's headless Chromium
(`apt-get install -y chromium`) against the app served on 127.0.0.1.

Screenshots go to $STYLEBENCH_ARTIFACTS (default tests/artifacts/).
"""
from __future__ import annotations

import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from app_helpers import compared
from methods import REGISTRY
from tests import app_server

CHROMIUM = os.environ.get("STYLEBENCH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COLUMNS = compared(REGISTRY)  # the reference rows have no column of their own
ARTIFACTS = Path(os.environ.get("STYLEBENCH_ARTIFACTS", Path(__file__).parent / "artifacts"))
# small settings typed into the page, so the whole run takes seconds
UI_SETTINGS = {"output-size": 128, "param-gatys-steps": 20, "param-gatys-levels": 1, "param-vae-steps": 20}
NUMBERS = re.compile(r"SSIM ↑\s+[\d.]+ s[\s\S]*-?\d\.\d{3}\s+-?\d\.\d{3}\s+-?\d\.\d{3}\s+-?\d\.\d{3}[\s\S]*colour transfer")


@pytest.fixture(scope="module")
def page():
    url = app_server.url()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.goto(url)
        expect(page.locator("#run-button")).to_be_visible(timeout=60_000)
        page.app_url = url
        yield page
        browser.close()


def type_number(page, elem_id: str, value) -> None:
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


def test_examples_run_every_method_and_show_numbers(page):
    page.locator("#content-examples .gallery-item").first.click()  # the astronaut
    page.locator("#style-examples .gallery-item").first.click()  # The Starry Night
    expect(page.locator("#content-image img")).to_be_visible()
    expect(page.locator("#style-image img")).to_be_visible()
    for name in COLUMNS:  # parameters live in closed accordions
        page.locator(f"#panel-{name}").get_by_text("Parameters").click()
    for elem_id, value in UI_SETTINGS.items():
        if page.locator(f"#{elem_id}").count():
            type_number(page, elem_id, value)
    for name in COLUMNS:
        page.locator(f"#panel-{name}").get_by_text("Parameters").click()

    page.locator("#run-button").click()
    for name in COLUMNS:
        expect(page.locator(f"#stats-{name}")).to_contain_text(NUMBERS, timeout=150_000)
        expect(page.locator(f"#output-{name} img")).to_be_visible()
    for name, method in COLUMNS.items():  # a row in the comparison table and a download each
        expect(page.locator("#comparison")).to_contain_text(method.title, timeout=30_000)
        expect(page.locator("#downloads")).to_contain_text(f"stylebench_{name}", timeout=30_000)
    expect(page.locator("#downloads")).to_contain_text("stylebench_comparison")
    for name in COLUMNS:
        assert page.locator(f"#output-{name} img").evaluate("img => img.naturalWidth") == 128

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "app_compare.png", full_page=True)
    page.get_by_role("tab", name="About the methods").click()
    expect(page.get_by_text("cycle consistency").first).to_be_visible()
    page.screenshot(path=ARTIFACTS / "app_about.png", full_page=True)
    page.get_by_role("tab", name="Compare").click()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height: a decompression bomb's first bytes."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


BAD_UPLOADS = {
    "notes.png": (b"this is a text file, not a picture\n", "not an image file"),
    "dot.png": (None, "both sides need at least 16 px"),
    "bomb.png": (png_claiming(20000, 20000), "too large to decode safely"),
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
    page.goto(page.app_url)
    page.locator("#content-image input[type=file]").set_input_files(str(path))
    error = page.get_by_text(re.compile(f"content image cannot be used: .*{expected}"))
    expect(error.first).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"app_bad_{Path(filename).stem}.png")
    page.locator("#run-button").click()  # Run refuses it too, with the same words
    expect(error).to_have_count(2)
