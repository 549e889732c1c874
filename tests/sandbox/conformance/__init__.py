"""Conformance suite: the sandbox against Hasura semantics computed from the seed rows."""
