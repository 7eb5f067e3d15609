"""Signed JSON over HTTP: the parts the bureau and payment adapters share.

Both adapters speak the same kind of protocol: ``POST`` a JSON body signed with
HMAC-SHA256 over the method, path, timestamp, nonce, an idempotency key and the body hash;
retry timeouts, connection failures, 5xx and 429 with the same key; accept only an answer
signed for the attempt it answers. What differs (header names, error classes, payloads) stays
in each adapter, which passes it in.

- :mod:`.signing` — canonical messages, HMAC signatures, timestamp freshness, header names.
- :mod:`.client` — :class:`~.client.SignedJsonClient`, the retrying signed-JSON POST.
- :mod:`.settings` — :class:`~.settings.SettingsReader`, required/default/numeric settings.
- :mod:`.server` — the local (127.0.0.1) test-server scaffolding with signature checks and
  replay protection.
"""
