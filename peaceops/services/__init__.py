"""The outer layer: the command line and the web app, both thin over ``peaceops.platform``."""
