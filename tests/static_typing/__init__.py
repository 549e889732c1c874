"""Static type tests: files that `make typecheck` (mypy --strict) checks and pytest never runs.

Each file states what the generated client promises to a type checker. A line that must be
rejected carries ``# type: ignore[<code>]``: mypy --strict warns about an unused ignore, so the
line fails the type check unless mypy reports exactly that error there. This replaces mypy runs
in subprocesses (one per test, each seconds long) with one pass over these files.
"""
