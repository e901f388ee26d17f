"""Experiments on the model: paired comparisons, calibration, verification, run outputs."""
