"""The AMQP 1.0 transport (python-qpid-proton, the optional `amqp10` extra): the only package importing proton.

session.py (Transport: connect, recover), link.py (Link), consume.py (Consumer), publish.py
(Publisher), browse.py (peek), engine.py (the Container driven step by step), connect.py (URL,
SASL, TLS, errors), fieldcodec.py (headers and properties), settle.py (outcomes), and the pure
dialects.py / selector.py / refusals.py: what differs per broker family.
"""
