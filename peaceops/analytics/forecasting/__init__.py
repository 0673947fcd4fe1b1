"""Probabilistic forecasts of violence and their evaluation under the VIEWS protocol."""
