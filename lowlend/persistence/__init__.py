"""lowlend.persistence layer (see docs/architecture)."""
