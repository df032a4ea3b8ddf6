"""StyleBench demo: one photo, one painting, every registered style-transfer method side by side.

The Space entry: `python app.py` serves the page (a Hugging Face Space runs exactly that);
GRADIO_SERVER_NAME and GRADIO_SERVER_PORT choose the address. The page's logic is the package
ui/ (ui.page lays it out, ui.events is what its controls do). Building the page loads no
network; each method's networks load on its first run (cached per process, shared by all users).
"""
from methods import REGISTRY
from ui.page import build_demo, launch

demo = build_demo(REGISTRY)

if __name__ == "__main__":
    launch(demo)
