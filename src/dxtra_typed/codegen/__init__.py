"""Build-time tooling: the driver that runs ariadne-codegen, its templates and plugins.

Nothing here is imported by the runtime client; ariadne-codegen is only installed with the
``codegen`` extra.
"""
