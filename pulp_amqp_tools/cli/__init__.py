"""From argv to options, and errors back to one stderr line.

Parsing, help, completion, Pulp's config, URLs, credentials and the error boundary.
Imports neither pika nor rich.
"""
