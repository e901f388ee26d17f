"""The live model in the browser (``govsim app``) and in a notebook (``govsim.app.page.page()``).

It steps models, so it is not presentation: pick a structure and a population profile, move
the levers (``govsim.core.levers``), step or play the model, and watch a sample of
residents and the institutions, participation and response time beside the reference
structure run on the same seed, and the organisation chart.  Chinese and English.

* ``live`` — ``LiveModel``: the chosen structure's ``GovernanceModel`` and the reference
  structure's on the same seed and population, stepped together, with the series and the
  resident states the page draws;
* ``layout`` — the network view's fixed picture of a structure;
* ``views`` — the figures and the line of numbers the page shows;
* ``page`` — the Solara page, its controls in the page's language (``Page``, ``page()``).
"""
