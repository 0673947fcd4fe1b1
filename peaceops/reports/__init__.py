"""Presentation that does not depend on the web: maps and charts as SVG, report contexts."""
