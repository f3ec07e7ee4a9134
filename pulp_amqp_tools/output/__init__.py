"""What the user sees: rendering, the non-blocking stdout sink, the progress bar, --top's figures and view.

The only package that imports rich.
"""
