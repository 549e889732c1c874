"""dxtra-typed: a typed Python client for Dxtra's GraphQL API."""
