"""Outcomes: what one replication produced, as a row of the run table, and the statistics of many.

This layer sits between the engine (which produces ``ReplicationResult``s) and the experiments (which run many
of them): the run table's columns and how a result becomes a row (``table``), the running tally of a streamed
run (``tally``), the named metrics (``metrics``) and the statistics they rest on (``statistics``: Wilson
intervals, quantiles, order-statistic intervals, days per year). It imports neither the experiments nor the
analysis, so both may use it.
"""
