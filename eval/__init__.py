"""StyleBench evaluation harness: `python -m eval` scores every registered method over a
fixed image set (methods.core.manifest) with the metrics of eval.metrics and writes reports
(eval.report). Import submodules explicitly: `from eval import metrics`."""
