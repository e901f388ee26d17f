"""Charts by family, behind one public entry (``govsim.presentation.plot``): ``style`` (the
style, figures and helpers every chart shares), ``over_time``, ``distributions`` (ECDFs),
``comparison`` (paired differences), ``equity``, ``costs``, ``flows`` (need flows),
``org_layout`` and ``org`` (organisation charts: where things go, and drawing them) and
``sensitivity``."""
