"""lowlend.tasks layer (see docs/architecture)."""
