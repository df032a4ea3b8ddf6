"""StyleBench demo: one photo, one painting, every registered style-transfer method side by side.

The Space entry: `python app.py` serves the page (a Hugging Face Space runs exactly that);
GRADIO_SERVER_NAME and GRADIO_SERVER_PORT choose the address. The page's logic is the package
ui/ (ui.page lays it out, ui.events is what its controls do). Building the page loads no
network; serving it first loads the judge and runs every method once on a small picture (about
15 s on 2 cores), so that the first visitor's Run is as quick as any (cached per process, shared
by all users).
"""
from methods import REGISTRY
from ui.page import build_demo, launch

demo = build_demo(REGISTRY)

if __name__ == "__main__":
    launch(demo)
