"""The commands' driving loops, protocol-neutral: they drive a transport.interface.Transport.

listen.py: deliveries -> --where -> render -> stdout, acknowledged after writing; when to stop.
emit.py: messages -> pacing -> publish with confirms; what to send again after a loss; the report.
"""


def reconnected(where: str, before: str) -> str:
    """The start of the notice after a reconnect: which broker now, and whether it is another one."""
    if where == before:
        return f"reconnected ({where})"
    return f"reconnected ({where}, moved from {before})"
