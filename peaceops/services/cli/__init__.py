"""The ``peaceops`` command line: one module per command family."""
