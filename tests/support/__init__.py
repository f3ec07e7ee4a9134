"""Test support code, the only place for helpers that more than one test module uses.

broker (the shared broker's URL, unique names, cleanup, drain), commands (scripts/listen.py and
scripts/emit.py as real processes), cliargs (broker options parsed and resolved like the commands
do), failures (what a one-line error must look like), terminal (what may reach a terminal),
faults (closing our own connections, waiting), and for private brokers: private_node, tcp_proxy,
tlsgen, fixtures (registered by tests/conftest.py).

Nothing in here ever stops the shared broker on 127.0.0.1:5672 or touches names it did not make.
"""
