"""Reading results: statistics, plots and narration (never the engine internals)."""
