"""Identity-number hashes are keyed by a secret outside demo mode (never the demo pepper)."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from lowlend.persistence.demo_loader import DEMO_PEPPER
from lowlend.persistence.keys import ID_PEPPER_INFO, derived_secret
from lowlend.persistence.queries.adapters import SqlIdentityKeys
from lowlend.web.generic.stamping import id_pepper as _id_pepper

NUMBER = "110101199003070011"


def id_pepper(config: dict[str, object]) -> bytes:
    """The pepper with the keys the composition root hands the web layer."""
    return _id_pepper(config, SqlIdentityKeys())


def _hash(pepper: bytes) -> str:
    return hmac.new(pepper, NUMBER.encode(), hashlib.sha256).hexdigest()


def test_the_pepper_comes_from_the_environment_or_the_master_key() -> None:
    assert id_pepper({"LOWLEND_ID_PEPPER": "s3cret", "MASTER_KEY": "m"}) == b"s3cret"
    derived = id_pepper({"MASTER_KEY": "master-key-of-this-deployment"})
    assert derived == derived_secret("master-key-of-this-deployment", ID_PEPPER_INFO)
    assert _hash(derived) != _hash(DEMO_PEPPER)
    assert id_pepper({"LOWLEND_DEMO": True}) == DEMO_PEPPER  # the demo data set's own
    with pytest.raises(RuntimeError, match="LOWLEND_ID_PEPPER"):
        id_pepper({})
