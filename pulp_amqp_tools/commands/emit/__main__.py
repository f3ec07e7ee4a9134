# PYTHON_ARGCOMPLETE_OK
"""`python -m pulp_amqp_tools.commands.emit`: the console script's entry, run as a module."""

from pulp_amqp_tools.commands.emit import entry

entry()
