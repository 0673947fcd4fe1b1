"""``python -m peaceops``: the same as the ``peaceops`` command."""

from peaceops.services.cli.app import main

main()
