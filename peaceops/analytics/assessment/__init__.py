"""Institutional assessment: statistics with intervals, scoring, change and priorities."""
