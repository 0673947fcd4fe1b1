"""The demonstration scenario: Carana, a fictional country as UN training scenarios use.

Everything here is generated from a seed; no fact about a real country is invented.
"""

from peaceops.scenario.carana import Scenario, build_carana

__all__ = ["Scenario", "build_carana"]
