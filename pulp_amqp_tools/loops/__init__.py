"""The commands' driving loops, protocol-neutral: they drive a transport.interface.Transport.

listen.py: deliveries -> --where -> render -> stdout, acknowledged after writing; when to stop.
emit.py: messages -> pacing -> publish with confirms; what to send again after a loss; the report.
"""
