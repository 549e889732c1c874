"""pytest fixtures for users' own tests (registered through the `pytest11` entry point)."""
