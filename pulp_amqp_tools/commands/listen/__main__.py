# PYTHON_ARGCOMPLETE_OK
"""`python -m pulp_amqp_tools.commands.listen`: the console script's entry, run as a module."""

from pulp_amqp_tools.commands.listen import entry

entry()
