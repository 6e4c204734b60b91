"""Managers' daily digests: the facts of a day, the digest built from them, how it reads, its optional summary."""
