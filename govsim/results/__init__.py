"""A run's and a batch's results: made from a model, stored, read back and tabled.

* ``run_files`` — a finished model's output files (summary, outcomes, daily, needs, hops,
  scenario, catalogue); the only module here that reads a model;
* ``store`` — a batch's results directory: layout, manifest, finished runs, failures;
* ``reading`` — ``Results``: runs read back from a directory or held in memory, for charts,
  reports and tables, without the simulator;
* ``tables`` — tables of runs: means with 95% intervals, paired differences, precision;
* ``atomic`` — writing a file safely (a temporary name renamed into place).
"""
