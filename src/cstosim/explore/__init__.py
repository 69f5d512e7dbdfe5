"""The explorer: a local web page (Solara) to change a scenario's parameters and watch what follows.

``cstosim explore [SCENARIO]`` serves it (``server.py``); ``app.py`` holds the Solara components, which also
display in Jupyter (``cstosim.explorer("csto-2018")``, which imports this package when called). What the page
computes lives in pure modules that need no browser and no Solara: ``controls`` (the controls a scenario offers
and the what-if they make), ``comparison`` (baseline and what-if on common random numbers, paired differences and their
figures) and ``history`` (one replication stepped through event by event). Every call into the rest of cstosim
goes through ``library``, so that a change of the library's API is mended in one place.

Only this package imports the web libraries; nothing outside it imports this package except the ``explore``
command and ``cstosim.explorer``, when they run.
"""
