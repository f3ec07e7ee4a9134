"""From argv to options, and errors back to one stderr line.

The command skeleton, the Environment (streams, terminal, colour, width), parsing and the type
converters, help, completion, Pulp's config, URLs, credentials and the error boundary.
Imports neither pika nor rich (help on a terminal borrows output/richhelp.py when printed).
"""
