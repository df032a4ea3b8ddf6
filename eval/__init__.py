"""StyleBench evaluation harness: `python -m eval` scores every registered method over a
fixed image set (eval.imageset) with the metrics of eval.metrics and writes reports
(eval.report). Import submodules explicitly: `from eval import metrics`."""
