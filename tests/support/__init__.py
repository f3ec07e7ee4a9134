"""Test support code: private RabbitMQ nodes, TLS material and a TCP fault-injection proxy.

Nothing in here ever talks to (let alone stops) the shared broker on 127.0.0.1:5672.
"""
