"""lowlend.web layer (see docs/architecture)."""
