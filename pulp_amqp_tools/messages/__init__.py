"""Messages whatever protocol carried them. No pika, no rich; no I/O but follow.py's wait on stdin.

Delivery records, the message to publish, AMQP names and their limits, safe text, filters,
Pulp's events, properties and headers, replay, pacing.
"""
