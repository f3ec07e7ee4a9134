"""pulp-amqp-tools: watch, test and script Pulp's event notifications on an AMQP broker."""

__version__ = "0.1.0"
