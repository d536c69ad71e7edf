"""The county profile: who the county is and whose pack signatures this PC trusts."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.county import CountyProfileError, load_county
from wire.pack import key_id, load_private_key_pem, new_signing_key, public_key_text

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def test_the_source_checkout_carries_the_demo_county_and_its_key() -> None:
    county = load_county()
    assert county.code == "demo"
    demo_key = load_private_key_pem((ASSETS / "demo" / "demo-county-signing-key.pem").read_bytes())
    assert [key_id(k) for k in county.signing_keys] == [key_id(demo_key.public_key())]


def test_several_keys_are_trusted_so_a_county_can_change_its_key(tmp_path: Path) -> None:
    old, new = new_signing_key().public_key(), new_signing_key().public_key()
    path = tmp_path / "county.toml"
    path.write_text(
        f'[county]\ncode = "xx"\nname = "某县"\n[signing]\n'
        f'public_keys = ["{public_key_text(old)}", "{public_key_text(new)}"]\n',
        encoding="utf-8",
    )
    county = load_county(path)
    assert (county.code, county.name) == ("xx", "某县")
    assert [key_id(k) for k in county.signing_keys] == [key_id(old), key_id(new)]


@pytest.mark.parametrize(
    ("signing", "message"),
    [
        ('public_keys = "ed25519:abc"', r"public_keys: must be a list"),
        ('public_keys = ["rsa:abc"]', r"public_keys\[1\]: a public key starts with 'ed25519:'"),
        ('public_keys = ["ed25519:!!"]', r"public_keys\[1\]: .*not valid base64"),
        ('public_keys = ["ed25519:AAAA"]', r"public_keys\[1\]: .*32 bytes"),
    ],
)
def test_a_wrong_key_names_the_file_and_the_entry(
    tmp_path: Path, signing: str, message: str
) -> None:
    path = tmp_path / "county.toml"
    path.write_text(f"[signing]\n{signing}\n", encoding="utf-8")
    with pytest.raises(CountyProfileError, match=message):
        load_county(path)


def test_no_profile_trusts_no_pack(tmp_path: Path) -> None:
    assert load_county(tmp_path / "absent.toml").signing_keys == ()
