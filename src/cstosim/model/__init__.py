"""The domain model: what an organization, its instrument, its members and its candidates are (no SimPy, no I/O)."""
