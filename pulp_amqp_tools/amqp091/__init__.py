"""AMQP 0-9-1 over pika: the only package that imports pika. Implements transport.interface.

session (the Transport: connect, recover), link (one connection), topology, consume (listen's
consumer), confirms (emit's confirm window), watchdog, connect (parameters, error translation),
fieldcodec, tls, and pikacompat (every use of pika's private API).
"""
