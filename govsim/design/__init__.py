"""Design search: the cheapest designs that meet a community's goals.

The data flow: a goals file (``goals``: the starting structure, the levers that may move,
the goals and objectives) → the search (``search``: NSGA-II asking for candidates, each
generation run as one of govsim's batches, resumable) → what it leaves (``front``: the
ε-front of designs meeting the goals, the built-in structures on the same axes, the
designs as scenario files, convergence) → ``outputs`` writes them all (``govsim design``) →
``section``: the report's section on them (``govsim report --design``).
"""
