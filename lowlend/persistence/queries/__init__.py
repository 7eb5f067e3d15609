"""Adapters of :mod:`lowlend.services.admin_ports`: what the admin screens read and write
through the request's session, handed to the web layer by its composition root."""
