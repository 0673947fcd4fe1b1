"""Repositories: functions taking a ``Connection`` and speaking domain objects."""
