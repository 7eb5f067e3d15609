"""lowlend.services layer (see docs/architecture)."""
