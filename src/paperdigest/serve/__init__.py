"""`paperdigest serve`: a live preview that rebuilds on save and reloads the open pages."""

from paperdigest.serve.session import PreviewSession, UnsafeOutput

__all__ = ["PreviewSession", "UnsafeOutput"]
