"""The incremental layer: what a build remembers and how it decides what changed.

It wraps the stages (parse -> group -> render -> write) rather than threading through them:
`cache` keeps parsed digests and output manifests on disk, `bodies` keeps digest bodies there,
`grouping` hands grouping the last build's objects where nothing changed, `fingerprint` says what
each output file is made from, `output` writes only what changed, all at once, and `memo` is the
one object a Builder keeps between builds. The oracle is always a clean build: after any sequence
of edits, the output is byte for byte what a build from nothing writes.
"""
