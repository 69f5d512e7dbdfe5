"""``python -m cstosim``: the same as the ``cstosim`` command."""

from cstosim.cli import main

main()
