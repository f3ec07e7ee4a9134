"""AMQP 0-9-1 over pika: the only package that imports pika.

Connection, reconnecting session, topology, consume loop, confirm-window publisher.
"""
