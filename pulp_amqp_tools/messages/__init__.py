"""Messages whatever protocol carried them. Pure.

Delivery records, subjects, safe text, filters, Pulp's events, replay, pacing.
"""
