"""The demo's logic, apart from the Space entry (app.py) and testable without a browser.

  page      build_demo: the layout and which event runs on which control; launch
  events    the functions the page's events call: one method's column, Run, Stop, a changed input
  runs      run ids: every result belongs to the run that made it; a new Run, a changed input or
            Stop ends a run
  streaming one method in a worker thread, its progress streamed, stopped at its next report
  inputs    uploads read and judged by methods.core.images; the output size's bounds
  examples  the example photos and paintings, with requirements.txt alone
  scoring   the judge's scores of an output and of the colour transfer beside it
  panels    what a method's panel shows: progress, numbers, failures in words
  table     the comparison table of a run, and its downloads
  about     the About tab's text, built from each method's declared parameters

Nothing here loads a network at import: page.launch loads the judge and runs every method once on a
small picture before serving (streaming.preload); networks are cached per process.
"""
