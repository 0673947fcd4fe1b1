"""Coordination of programmes: duplicate activities, gaps against priorities and risk, funding
flows and the who-does-what-where matrix. Method in ``docs/methods/coordination.md``."""
