"""What the user sees: rendering, the non-blocking stdout sink, the progress bar.

The only package that imports rich.
"""
