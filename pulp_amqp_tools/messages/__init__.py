"""Messages whatever protocol carried them. Pure.

Delivery records, the message to publish, AMQP names and their limits, safe text, filters,
Pulp's events, properties and headers, replay, pacing.
"""
