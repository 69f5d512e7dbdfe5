"""One replication told as a story with calendar dates, every rule it applies cited to its source.

``trace(scenario, result)`` builds a ``Trace``: the rules of the scenario's process (``rules``: each with the
scenario's own source text and the quotes that the documents it cites hold on that rule), the dated events of
the replication in plain sentences pointing to the rules they applied (``events``), and the outcome.
``Trace.to_text``, ``to_markdown`` and ``to_dict`` render it (``render``). Nothing here runs the engine: the
trace reads a finished ``ReplicationResult``, and everything particular to an organization (its names, what its
statuses mean, its criteria, the documents and quotes) comes from the scenario and its sources file.
"""

from __future__ import annotations

from cstosim.analysis.narration.events import Outcome, TraceEvent, tell_events, tell_outcome
from cstosim.analysis.narration.render import Trace
from cstosim.analysis.narration.rules import Citation, CitedQuote, Rule, process_rules, readable_path
from cstosim.engine.result import ReplicationResult
from cstosim.model.scenario import Scenario

__all__ = ["Citation", "CitedQuote", "Outcome", "Rule", "Trace", "TraceEvent", "readable_path", "trace"]


def trace(
    scenario: Scenario, result: ReplicationResult, *, seed: int | None = None, replication: int | None = None
) -> Trace:
    """Tell ``result`` (a replication of ``scenario``) as a cited story.

    ``seed`` and ``replication`` only label the trace (``cstosim trace --seed S --replication I``).
    """
    rules = process_rules(scenario, result)
    events = tell_events(scenario, result, {rule.key for rule in rules})
    outcome = tell_outcome(scenario, result)
    horizon = TraceEvent(scenario.horizon, float(scenario.horizon_day), "horizon", outcome.text)
    return Trace(
        scenario=scenario.name,
        title=scenario.title,
        organization=scenario.organization.name,
        seed=seed,
        replication=replication,
        start=scenario.start,
        horizon=scenario.horizon,
        rules=rules,
        events=(*events, horizon),
        outcome=outcome,
    )
