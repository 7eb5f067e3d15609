"""Identity numbers: check characters and generators.

* resident ID numbers (GB 11643, ISO 7064 MOD 11-2 check digit);
* unified social credit codes (GB 32100-2015) with their organisation code (GB 11714);
* Hong Kong identity card numbers;
* bank card numbers (Luhn).

>>> resident_id_check_digit("36042619910101007")
'1'
>>> resident_id_check_digit("11010519491231002")
'X'
>>> uscc_check_char("91110000600037341")
'L'
>>> org_code_check_char("60003734")
'1'
>>> hkid_check_digit("A123456")
'3'
>>> hkid_check_digit("G123456")
'A'
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def resident_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character of the first 17 digits of a resident ID number."""
    total = sum(int(c) * w for c, w in zip(first17, _RIC_WEIGHTS, strict=True))
    return "10X98765432"[total % 11]


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code (first 17 characters)."""
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """GB 11714 check character of an organisation code (first 8 characters)."""
    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    total = sum(value(c) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def hkid_check_digit(prefix_and_digits: str) -> str:
    """Check digit of a Hong Kong identity card number (``A123456`` → ``3``)."""
    body = prefix_and_digits.upper()
    if len(body) == 7:
        body = " " + body
    values = [36 if c == " " else ord(c) - ord("A") + 10 if c.isalpha() else int(c) for c in body]
    total = sum(v * w for v, w in zip(values, range(9, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return "A" if check == 10 else str(check)


def _resident_id(rng: random.Random, area: tuple[Any, ...], male: bool) -> tuple[str, date]:
    first = max(1966, area[4] or 1966)
    last = min(2001, area[5] or 2001)
    year = rng.randint(first, last)
    birth = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)
    body = f"{area[0]}{birth:%Y%m%d}{seq:03d}"
    return body + resident_id_check_digit(body), birth


def _uscc(rng: random.Random, area_code: str, individual_business: bool) -> str:
    org = f"{rng.randrange(10**8):08d}"
    org += org_code_check_char(org)
    body = ("92" if individual_business else "91") + area_code + org
    return body + uscc_check_char(body)


def _hkid(rng: random.Random) -> str:
    body = rng.choice("ACDEGHKPRVYZ") + f"{rng.randrange(10**6):06d}"
    return f"{body}({hkid_check_digit(body)})"


def _bank_card(rng: random.Random) -> str:
    digits = [int(c) for c in rng.choice(("622848", "621700", "622202", "623058"))]
    digits += [rng.randrange(10) for _ in range(18 - len(digits))]
    total = 0
    for i, d in enumerate(reversed(digits)):  # Luhn: double every second digit from the check
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)
