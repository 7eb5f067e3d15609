"""lowlend.domain layer (see docs/architecture)."""
