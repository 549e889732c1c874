"""The embedded local Dxtra: Nhost-style auth plus a Hasura-style GraphQL engine."""
