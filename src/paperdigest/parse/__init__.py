"""Parsing stage: digest files -> Digest records (with their paper cards) and located problems."""

from paperdigest.parse.digest import parse_digest
from paperdigest.parse.source import discover_digests

__all__ = ["discover_digests", "parse_digest"]
