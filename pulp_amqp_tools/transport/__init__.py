"""The protocol-neutral side of talking to a broker.

Where it is (BrokerSettings), when to retry, and the interface a transport implements.
"""
