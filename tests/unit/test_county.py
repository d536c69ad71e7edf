"""The county profile: who the county is and whose pack signatures this PC trusts."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.county import CountyProfile, CountyProfileError, load_county, missing_for_installer
from wire.pack import key_id, load_private_key_pem, new_signing_key, public_key_text

ASSETS = Path(__file__).resolve().parents[2] / "assets"


def test_the_source_checkout_carries_the_demo_county_its_key_and_a_logo() -> None:
    county = load_county()
    assert county.code == "demo"
    assert county.source == ASSETS / "county.toml"
    assert county.logo is not None and county.logo.is_file()
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


# Reading -------------------------------------------------------------------------------------
DEMO_PROFILE = ASSETS.parent / "counties" / "demo.toml"


def profile_at(folder: Path, text: str) -> Path:
    """``text`` as ``county.toml`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "county.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_server_address_loses_its_trailing_slash(tmp_path: Path) -> None:
    path = profile_at(tmp_path, '[server]\nurl = "https://lamplight.example.org:8443/"\n')
    assert load_county(path).server_url == "https://lamplight.example.org:8443"


def test_a_display_name_given_as_text_names_the_app_in_both_languages(tmp_path: Path) -> None:
    county = load_county(profile_at(tmp_path, '[app]\ndisplay_name = " 灯火研修 · 石桥县 "\n'))
    assert dict(county.display_names) == {"zh_CN": "灯火研修 · 石桥县", "en": "灯火研修 · 石桥县"}


def test_a_display_name_table_names_the_app_per_language(tmp_path: Path) -> None:
    county = load_county(
        profile_at(
            tmp_path,
            '[app]\ndisplay_name = { zh_CN = "灯火研修 · 石桥县", en = "Lamplight - Shiqiao" }\n',
        )
    )
    assert county.display_name("zh_CN") == "灯火研修 · 石桥县"
    assert county.display_name("en") == "Lamplight - Shiqiao"


def test_a_language_without_a_name_falls_back_to_the_other(tmp_path: Path) -> None:
    county = load_county(profile_at(tmp_path, '[app]\ndisplay_name = { zh_CN = "灯火研修" }\n'))
    assert county.display_name("en") == "灯火研修"


def test_no_display_name_means_none_in_any_language(tmp_path: Path) -> None:
    county = load_county(profile_at(tmp_path, '[app]\ndisplay_name = ""\n'))
    assert dict(county.display_names) == {}
    assert county.display_name("zh_CN") == ""


def test_the_logo_and_the_pack_are_found_next_to_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # not relative to where the app was started
    path = profile_at(
        tmp_path / "build" / "shiqiao",
        '[app]\nlogo = "art/logo.PNG"\n[starter]\npack = "packs/starter"\n',
    )
    county = load_county(path)
    assert county.logo == tmp_path / "build" / "shiqiao" / "art" / "logo.PNG"
    assert county.starter_pack == tmp_path / "build" / "shiqiao" / "packs" / "starter"
    assert county.source == path


def test_no_logo_and_no_pack_are_none(tmp_path: Path) -> None:
    county = load_county(profile_at(tmp_path, '[county]\ncode = "shiqiao"\n'))
    assert (county.logo, county.starter_pack) == (None, None)


@pytest.mark.parametrize("language", ["zh_CN", "en", ""])
def test_the_default_language_is_read(tmp_path: Path, language: str) -> None:
    county = load_county(profile_at(tmp_path, f'[app]\nlanguage = "{language}"\n'))
    assert county.language == language


def test_the_demo_county_profile_reads_every_table() -> None:
    county = load_county(DEMO_PROFILE)
    assert (county.code, county.name) == ("demo", "灯火演示县")
    assert county.server_url == "http://127.0.0.1:8765"
    assert county.display_name("en") == "Lamplight - Demo County"
    assert county.logo == DEMO_PROFILE.parent / "demo-logo.svg"
    assert county.language == "zh_CN"
    assert county.downloads.reserve == 10**9
    assert len(county.signing_keys) == 1


# Refusing ------------------------------------------------------------------------------------
def refusal(path: Path) -> str:
    """The message ``load_county`` refuses ``path`` with; it always starts with the file."""
    with pytest.raises(CountyProfileError) as caught:
        load_county(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    return message


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    assert "line 2" in refusal(profile_at(tmp_path, '[county]\ncode = "demo\n'))


def test_an_unknown_table_is_refused(tmp_path: Path) -> None:
    message = refusal(profile_at(tmp_path, '[synch]\nwindow = "18:00-07:00"\n'))
    assert "[synch] is not a profile table" in message
    assert "[sync]" in message  # what was meant is among the names offered


def test_a_table_written_as_a_value_is_refused(tmp_path: Path) -> None:
    assert "[county] must be a table" in refusal(profile_at(tmp_path, 'county = "demo"\n'))


def test_a_misspelt_setting_is_refused_not_dropped(tmp_path: Path) -> None:
    message = refusal(profile_at(tmp_path, '[sync]\nwindw = "18:00-07:00"\n'))
    assert "[sync] windw: unknown setting; expected one of window, max_rate, reserve" in message


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[county]\ncode = 12\n", "[county] code"),
        ("[county]\nname = 3.5\n", "[county] name"),
        ("[server]\nurl = 8765\n", "[server] url"),
        ("[app]\nlogo = true\n", "[app] logo"),
        ("[app]\nlanguage = 1\n", "[app] language"),
        ('[starter]\npack = ["packs/starter"]\n', "[starter] pack"),
        ("[sync]\nwindow = 18\n", "[sync] window"),
    ],
)
def test_a_number_where_text_is_expected_is_refused(tmp_path: Path, text: str, field: str) -> None:
    assert f"{field}: must be text in quotes" in refusal(profile_at(tmp_path, text))


def test_a_display_name_list_is_refused(tmp_path: Path) -> None:
    message = refusal(profile_at(tmp_path, '[app]\ndisplay_name = ["灯火研修", "Lamplight"]\n'))
    assert "[app] display_name: must be text, or a table by language" in message


@pytest.mark.parametrize("code", ["Shiqiao", "shi qiao", "-shiqiao", "s" * 33, "石桥"])
def test_a_bad_county_code_is_refused(tmp_path: Path, code: str) -> None:
    message = refusal(profile_at(tmp_path, f'[county]\ncode = "{code}"\n'))
    assert f"[county] code: {code!r} is not a county code" in message


def test_a_county_code_of_32_characters_is_taken(tmp_path: Path) -> None:
    code = "shiqiao-" + "9" * 24
    assert load_county(profile_at(tmp_path, f'[county]\ncode = "{code}"\n')).code == code


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("10.1.2.3:8765", "expected an address such as"),
        ("ftp://10.1.2.3", "expected an address such as"),
        ("http://", "expected an address such as"),
        ("http://:8765", "expected an address such as"),
        ("http://10.1.2.3:87a5", "the port is not a number"),
    ],
)
def test_a_bad_server_address_is_refused(tmp_path: Path, url: str, problem: str) -> None:
    message = refusal(profile_at(tmp_path, f'[server]\nurl = "{url}"\n'))
    assert "[server] url: " in message and problem in message


@pytest.mark.parametrize("language", ["zh-CN", "fr", "EN"])
def test_a_language_the_app_is_not_translated_into_is_refused(
    tmp_path: Path, language: str
) -> None:
    message = refusal(profile_at(tmp_path, f'[app]\nlanguage = "{language}"\n'))
    assert f"[app] language: {language!r}: expected one of zh_CN, en" in message


@pytest.mark.parametrize("logo", ["logo.jpg", "logo.ico", "logo"])
def test_a_logo_that_is_not_png_or_svg_is_refused(tmp_path: Path, logo: str) -> None:
    message = refusal(profile_at(tmp_path, f'[app]\nlogo = "{logo}"\n'))
    assert f"[app] logo: {logo!r}: the logo must be a .png or .svg file" in message


def test_a_display_name_in_an_unknown_language_is_refused(tmp_path: Path) -> None:
    message = refusal(profile_at(tmp_path, '[app]\ndisplay_name = { zh_CN = "灯火", fr = "L" }\n'))
    assert "[app] display_name: 'fr' is not a language; expected zh_CN, en" in message


@pytest.mark.parametrize("name", ['"  "', "7"])
def test_an_empty_display_name_in_the_table_is_refused(tmp_path: Path, name: str) -> None:
    message = refusal(profile_at(tmp_path, f"[app]\ndisplay_name = {{ en = {name} }}\n"))
    assert "[app] display_name: en: must be non-empty text" in message


# A county installer's profile ---------------------------------------------------------------
def demo_copy(
    folder: Path, drop: str | None = None, *, logo: str | None = None, pack: str | None = None
) -> Path:
    """``counties/demo.toml`` and its logo copied to ``folder``, without the line setting
    ``drop``, naming another ``logo`` or a starter ``pack`` if given."""
    lines = DEMO_PROFILE.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if drop is None or not line.startswith(f"{drop} = ")]
    assert drop is None or len(kept) == len(lines) - 1, f"demo.toml sets no {drop}"
    text = "\n".join(kept) + "\n"
    if logo is not None:
        text = text.replace('logo = "demo-logo.svg"', f'logo = "{logo}"')
    if pack is not None:
        text += f'\n[starter]\npack = "{pack}"\n'
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo-logo.svg").write_bytes((DEMO_PROFILE.parent / "demo-logo.svg").read_bytes())
    return profile_at(folder, text)


def test_the_demo_county_profile_is_complete_for_an_installer() -> None:
    assert missing_for_installer(load_county(DEMO_PROFILE)) == []


@pytest.mark.parametrize(
    ("drop", "field"),
    [
        ("code", "[county] code is missing"),
        ("name", "[county] name is missing"),
        ("url", "[server] url is missing"),
        ("public_keys", "[signing] public_keys is empty"),
        ("display_name", "[app] display_name is missing"),
    ],
)
def test_an_installer_profile_without_a_required_setting_names_it(
    tmp_path: Path, drop: str, field: str
) -> None:
    path = demo_copy(tmp_path, drop)
    problems = missing_for_installer(load_county(path))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}: {field}")


def test_an_installer_profile_with_an_empty_key_list_names_it(tmp_path: Path) -> None:
    path = demo_copy(tmp_path, "public_keys")
    path.write_text(
        path.read_text(encoding="utf-8").replace("[signing]\n", "[signing]\npublic_keys = []\n"),
        encoding="utf-8",
    )
    problems = missing_for_installer(load_county(path))
    assert len(problems) == 1 and problems[0].startswith(f"{path}: [signing] public_keys is empty")


def test_an_installer_profile_naming_a_logo_that_is_not_there_names_it(tmp_path: Path) -> None:
    path = demo_copy(tmp_path, logo="art/logo.png")
    assert missing_for_installer(load_county(path)) == [
        f"{path}: [app] logo: there is no file {tmp_path / 'art' / 'logo.png'}"
    ]


def test_an_installer_profile_naming_a_pack_that_is_not_there_names_it(tmp_path: Path) -> None:
    path = demo_copy(tmp_path, pack="packs/starter")
    assert missing_for_installer(load_county(path)) == [
        f"{path}: [starter] pack: there is no folder {tmp_path / 'packs' / 'starter'}"
    ]
    (tmp_path / "packs" / "starter").mkdir(parents=True)
    assert missing_for_installer(load_county(path)) == []


def test_an_empty_profile_lacks_everything_an_installer_needs() -> None:
    problems = missing_for_installer(CountyProfile())
    assert [p.split(": ", 1)[0] for p in problems] == ["the county profile"] * 5
