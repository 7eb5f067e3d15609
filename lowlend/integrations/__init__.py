"""lowlend.integrations layer (see docs/architecture)."""
