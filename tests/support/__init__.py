"""Test support code, the only place for helpers that more than one test module uses.

broker (the shared broker's URL, unique names, channels to arrange and inspect, cleanup), admin
(a black-box test's own side of the broker), processes (the commands as real processes, the one
place that starts them: to their end, in the background, or measured with memory from memory),
cliargs (broker options parsed and resolved like the commands do), failures (what a one-line error
must look like), terminal (what may reach a terminal), faults (closing our own connections,
waiting), fake_transport (a scripted transport for the loops), topic (a topic-matching oracle),
tmux (a real terminal), jepsen (counting lost and duplicated messages), and for private brokers:
private_node, cluster, tcp_proxy, tlsgen, fixtures (registered by tests/conftest.py).

Nothing in here ever stops the shared broker on 127.0.0.1:5672 or touches names it did not make.
"""
