"""The Windows installer's wiring, checked where Inno Setup cannot run.

``installer/inno.py`` is exercised for real against a fake ISCC (a script on ``PATH`` that
records its command line and writes the setup file); the Inno Setup script and the workflow
that builds, installs and uninstalls it on Windows are checked as text for the promises they
make: the defines match, the data folder is the app's, every teacher may write it, and an
uninstall keeps it unless asked.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import stat
import subprocess
import sys
import uuid
from pathlib import Path

import platformdirs
import pytest

from app import APP_NAME
from app.paths import ENV_DATA_DIR, resolve_data_dir
from installer import inno
from installer.inno import (
    InnoSetupError,
    app_id,
    build_windows_setup,
    fetch_chinese_messages,
    find_chinese_messages,
    find_iscc,
    iscc_command,
    setup_basename,
)

REPO = Path(__file__).resolve().parents[2]
ISS = REPO / "installer" / "windows" / "lamplight.iss"
WORKFLOW = REPO / ".github" / "workflows" / "windows-installer.yml"
POSIX_ONLY = pytest.mark.skipif(
    sys.platform == "win32",
    reason="the fake ISCC is a POSIX script; on Windows the workflow runs the real one",
)
#: What ISPP itself provides: not defines of ours.
ISPP_BUILTINS = {"FileExists", "AddBackslash", "SourcePath", "CompilerPath", "PREPROCVER"}
ISPP_BUILTINS |= {"EncodeVer"}


def demo_values(tmp_path: Path) -> dict[str, object]:
    tmp_path = tmp_path.resolve()  # as iscc_command passes paths (no 8.3 names, no symlinks)
    build = tmp_path / "dist with space" / "Lamplight-demo-0.2.0-windows"
    return {
        "county_code": "demo",
        "county_name": "灯火演示县",
        "display_name": "灯火研修 · 演示县",
        "version": "0.2.0",
        "out_dir": tmp_path / "dist with space",
        "build_dir": build,
    }


def defines_of(command: list[str]) -> dict[str, str]:
    pairs = [arg[2:].split("=", 1) for arg in command if arg.startswith("/D")]
    assert all(len(pair) == 2 for pair in pairs), command
    defines = {name: value for name, value in pairs}
    assert len(defines) == len(pairs), "a define is passed twice"
    return defines


def command_for(tmp_path: Path, **changes: object) -> list[str]:
    values = {**demo_values(tmp_path), **changes}
    build_dir = values.pop("build_dir")
    assert isinstance(build_dir, Path)
    return iscc_command(build_dir, iscc=tmp_path / "ISCC.exe", **values)  # type: ignore[arg-type]


# --- the command line --------------------------------------------------------------------------


def test_iscc_command_passes_the_county_as_defines(tmp_path: Path) -> None:
    values = demo_values(tmp_path)
    command = command_for(tmp_path)

    assert command[0] == str(tmp_path / "ISCC.exe")
    assert command[1] == "/Qp"
    assert command[-1] == str(ISS)
    assert defines_of(command) == {
        "AppVersion": "0.2.0",
        "AppGuid": app_id("demo"),
        "CountyCode": "demo",
        "CountyName": "灯火演示县",
        "DisplayName": "灯火研修 · 演示县",
        "SourceDir": str(values["build_dir"]),
        "OutputDir": str(values["out_dir"]),
        "OutputBaseFilename": "Lamplight-demo-0.2.0-windows-setup",
        "ImportStarter": "1",
    }


def test_iscc_command_optional_defines_and_absolute_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    command = command_for(
        tmp_path,
        build_dir=Path("build"),
        out_dir=Path("out"),
        icon=Path("county.ico"),
        chinese_messages=Path("ChineseSimplified.isl"),
        import_starter=False,
    )
    defines = defines_of(command)

    # ISCC takes relative paths from the script's folder, so none is passed relative.
    for name in ("SourceDir", "OutputDir", "SetupIconFile", "ChineseIsl"):
        assert Path(defines[name]).is_absolute(), name
    assert defines["SourceDir"] == str(tmp_path.resolve() / "build")
    assert defines["SetupIconFile"] == str(tmp_path.resolve() / "county.ico")
    assert defines["ChineseIsl"] == str(tmp_path.resolve() / "ChineseSimplified.isl")
    assert defines["ImportStarter"] == "0"


def test_iscc_command_quoting(tmp_path: Path) -> None:
    command = command_for(tmp_path)
    line = subprocess.list2cmdline(command)

    # Every define is one argument; Windows quotes the whole of those with spaces, which is
    # how ISCC reads them (a quote toggles, a backslash is a plain character).
    assert '"/DDisplayName=灯火研修 · 演示县"' in line
    assert f'"/DSourceDir={demo_values(tmp_path)["build_dir"]}"' in line
    assert " /DCountyCode=demo " in line
    assert all(not arg.endswith("\\") for arg in command)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"county_code": "Demo County"}, "not a county code"),
        ({"version": "0.2 beta"}, "version"),
        ({"version": ""}, "version"),
        ({"county_name": "  "}, "name is empty"),
        ({"display_name": ""}, "display name is empty"),
        ({"display_name": "Lamplight: Demo"}, "file name"),
        ({"display_name": "Lamplight/Demo"}, "file name"),
        ({"county_name": 'Demo "County"'}, "quotes, braces"),
        ({"county_name": "{app} County"}, "quotes, braces"),
        ({"county_name": "Demo\nCounty"}, "control"),
    ],
)
def test_iscc_command_refuses_what_inno_setup_cannot_take(
    tmp_path: Path, change: dict[str, str], fragment: str
) -> None:
    with pytest.raises(InnoSetupError, match=fragment):
        command_for(tmp_path, **change)


def test_app_id_is_stable_and_differs_per_county() -> None:
    # Fixed for ever: a changed AppId would install the next version beside the old one.
    assert app_id("demo") == "EAA14455-E4E6-5FF3-9792-C1AB30D99729"
    assert app_id("demo") == app_id("demo")
    ids = {app_id(code) for code in ("demo", "shiqiao", "shiqiao-2", "a")}
    assert len(ids) == 4
    for value in ids:
        assert str(uuid.UUID(value)).upper() == value  # a GUID, without braces
    with pytest.raises(InnoSetupError):
        app_id("")


def test_the_script_takes_the_app_id_as_a_guid_in_braces() -> None:
    # "{{" is a literal brace in Inno Setup: AppId={<GUID>}, the form Windows lists.
    assert re.search(r"^AppId=\{\{\{#AppGuid\}\}\s*$", iss_text(), re.MULTILINE)


def test_setup_basename() -> None:
    assert setup_basename("shiqiao", "1.2.0") == "Lamplight-shiqiao-1.2.0-windows-setup"


# --- finding ISCC ------------------------------------------------------------------------------


@pytest.fixture
def no_inno(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH with nothing on it and no Program Files: no Inno Setup anywhere."""
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    for name in ("ProgramFiles(x86)", "ProgramFiles", "ProgramW6432", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    return empty


def fake_program(folder: Path, text: str = "") -> Path:
    """An executable file that ``shutil.which`` finds as ISCC on this system."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("ISCC.exe" if sys.platform == "win32" else "iscc")
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def test_find_iscc_none_without_inno_setup(no_inno: Path) -> None:
    assert find_iscc() is None


def test_find_iscc_on_path(no_inno: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program = fake_program(tmp_path / "tools")
    monkeypatch.setenv("PATH", os.pathsep.join([str(no_inno), str(program.parent)]))

    found = find_iscc()
    assert found is not None and found.resolve() == program.resolve()


def test_find_iscc_in_program_files(
    no_inno: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    iscc = tmp_path / "Program Files (x86)" / "Inno Setup 6" / "ISCC.exe"
    iscc.parent.mkdir(parents=True)
    iscc.write_bytes(b"MZ")
    monkeypatch.setenv("ProgramFiles(x86)", str(tmp_path / "Program Files (x86)"))

    assert find_iscc() == iscc


def test_find_chinese_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inno, "CHINESE_MESSAGES_DEFAULT", tmp_path / "nowhere" / "x.isl")
    iscc = tmp_path / "Inno Setup 6" / "ISCC.exe"
    assert find_chinese_messages(iscc) is None

    unofficial = iscc.parent / "Languages" / "Unofficial" / "ChineseSimplified.isl"
    unofficial.parent.mkdir(parents=True)
    unofficial.write_text("[LangOptions]\n", encoding="utf-8")
    assert find_chinese_messages(iscc) == unofficial

    beside_script = tmp_path / "windows" / "ChineseSimplified.isl"
    beside_script.parent.mkdir()
    beside_script.write_text("[LangOptions]\n", encoding="utf-8")
    monkeypatch.setattr(inno, "CHINESE_MESSAGES_DEFAULT", beside_script)
    assert find_chinese_messages(iscc) == beside_script


class _Response(io.BytesIO):
    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def test_fetch_chinese_messages_checks_the_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = b"; *** Inno Setup version 6.5.0+ Chinese Simplified messages ***\n"
    urls: list[str] = []

    def urlopen(url: str, timeout: float) -> _Response:
        urls.append(url)
        return _Response(body)

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    dest = tmp_path / "windows" / "ChineseSimplified.isl"

    with pytest.raises(InnoSetupError, match="not the expected file"):
        fetch_chinese_messages(dest)
    assert not dest.exists()

    monkeypatch.setattr(inno, "CHINESE_MESSAGES_SHA256", hashlib.sha256(body).hexdigest())
    assert fetch_chinese_messages(dest) == dest
    assert dest.read_bytes() == body
    # Pinned to a release of Inno Setup's repository, never a moving branch.
    assert urls[0].startswith("https://raw.githubusercontent.com/jrsoftware/issrc/is-6_")


# --- running it (a fake ISCC) ------------------------------------------------------------------


def test_build_windows_setup_says_what_to_install_without_inno_setup(
    no_inno: Path, tmp_path: Path
) -> None:
    values = demo_values(tmp_path)
    with pytest.raises(InnoSetupError) as caught:
        build_windows_setup(values.pop("build_dir"), **values)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "ISCC.exe" in message
    assert "Inno Setup 6.5 or newer" in message
    assert "https://jrsoftware.org/isdl.php" in message
    assert "choco install innosetup" in message


FAKE_ISCC = """#!{python}
import json, os, sys
from pathlib import Path

args = sys.argv[1:]
Path(os.environ["FAKE_ISCC_LOG"]).write_text(json.dumps(args), encoding="utf-8")
defines = dict(arg[2:].split("=", 1) for arg in args if arg.startswith("/D"))
assert Path(args[-1]).name == "lamplight.iss" and Path(args[-1]).is_file()
status = int(os.environ.get("FAKE_ISCC_STATUS", "0"))
if status == 0:
    setup = Path(defines["OutputDir"]) / (defines["OutputBaseFilename"] + ".exe")
    setup.write_bytes(b"MZ fake setup")
sys.exit(status)
"""


@pytest.fixture
def fake_iscc(no_inno: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake ISCC on PATH, with Inno Setup's Chinese messages beside it as an install has."""
    monkeypatch.setattr(inno, "CHINESE_MESSAGES_DEFAULT", tmp_path / "nowhere" / "x.isl")
    program = fake_program(tmp_path / "Inno Setup 6", FAKE_ISCC.format(python=sys.executable))
    isl = program.parent / "Languages" / "ChineseSimplified.isl"
    isl.parent.mkdir()
    isl.write_text("[LangOptions]\n", encoding="utf-8")
    monkeypatch.setenv("PATH", os.pathsep.join([str(no_inno), str(program.parent)]))
    monkeypatch.setenv("FAKE_ISCC_LOG", str(tmp_path / "iscc-argv.json"))
    return program


def windows_build(tmp_path: Path) -> dict[str, object]:
    values = demo_values(tmp_path)
    build_dir = values["build_dir"]
    assert isinstance(build_dir, Path)
    (build_dir / "_internal").mkdir(parents=True)
    (build_dir / "Lamplight.exe").write_bytes(b"MZ")
    return values


@POSIX_ONLY
def test_build_windows_setup_runs_iscc(fake_iscc: Path, tmp_path: Path) -> None:
    values = windows_build(tmp_path)
    build_dir = values.pop("build_dir")

    setup = build_windows_setup(build_dir, **values)  # type: ignore[arg-type]

    out_dir = tmp_path.resolve() / "dist with space"
    assert setup == out_dir / "Lamplight-demo-0.2.0-windows-setup.exe"
    assert setup.read_bytes() == b"MZ fake setup"
    argv = json.loads((tmp_path / "iscc-argv.json").read_text(encoding="utf-8"))
    expected = iscc_command(
        build_dir,  # type: ignore[arg-type]
        iscc=fake_iscc,
        chinese_messages=fake_iscc.parent / "Languages" / "ChineseSimplified.isl",
        **values,  # type: ignore[arg-type]
    )
    assert argv == expected[1:]
    assert defines_of(argv)["ChineseIsl"].endswith("ChineseSimplified.isl")


@POSIX_ONLY
def test_build_windows_setup_reports_a_failed_compile(
    fake_iscc: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_ISCC_STATUS", "2")
    values = windows_build(tmp_path)
    with pytest.raises(InnoSetupError, match="exit status 2"):
        build_windows_setup(values.pop("build_dir"), **values)  # type: ignore[arg-type]


def test_build_windows_setup_refuses_what_is_not_a_windows_build(
    fake_iscc: Path, tmp_path: Path
) -> None:
    values = demo_values(tmp_path)
    with pytest.raises(InnoSetupError, match=r"no Lamplight\.exe"):
        build_windows_setup(values.pop("build_dir"), **values)  # type: ignore[arg-type]
    assert not (tmp_path / "iscc-argv.json").exists()


def test_build_windows_setup_says_where_the_chinese_messages_come_from(
    fake_iscc: Path, tmp_path: Path
) -> None:
    (fake_iscc.parent / "Languages" / "ChineseSimplified.isl").unlink()
    values = windows_build(tmp_path)
    with pytest.raises(InnoSetupError, match="fetch_chinese_messages"):
        build_windows_setup(values.pop("build_dir"), **values)  # type: ignore[arg-type]


def test_build_windows_setup_wants_an_ico(fake_iscc: Path, tmp_path: Path) -> None:
    values = windows_build(tmp_path)
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG")
    with pytest.raises(InnoSetupError, match=r"\.ico"):
        build_windows_setup(values.pop("build_dir"), icon=logo, **values)  # type: ignore[arg-type]


# --- the Inno Setup script ---------------------------------------------------------------------


def iss_text() -> str:
    return ISS.read_text(encoding="utf-8-sig")


def iss_section(name: str) -> list[str]:
    """The lines of one ``[Section]`` (comments and blank lines left out)."""
    lines: list[str] = []
    inside = False
    for line in iss_text().splitlines():
        header = re.fullmatch(r"\[(\w+)\]\s*", line)
        if header:
            inside = header.group(1) == name
        elif inside and line.strip() and not line.lstrip().startswith(";"):
            lines.append(line.strip())
    return lines


def directive_lines() -> list[tuple[str, str]]:
    """ISPP's directives: (``define``, ``X "1"``) for ``#define X "1"``, and so on."""
    found = []
    for line in iss_text().splitlines():
        match = re.match(r"\s*#(\w+)\s*(.*)$", line)
        if match:
            found.append((match.group(1), match.group(2)))
    return found


def identifiers(expression: str) -> set[str]:
    without_strings = re.sub(r'"[^"]*"', " ", expression)
    return set(re.findall(r"[A-Za-z_]\w*", without_strings))


def test_the_script_is_utf8_with_a_bom() -> None:
    # ISCC reads a script without one in the PC's code page; its Chinese messages need UTF-8.
    assert ISS.read_bytes().startswith(b"\xef\xbb\xbf")


def test_every_define_the_script_uses_is_passed_or_defaulted(tmp_path: Path) -> None:
    passed = set(defines_of(command_for(tmp_path)))
    optional = set(
        defines_of(
            command_for(tmp_path, icon=tmp_path / "x.ico", chinese_messages=tmp_path / "x.isl")
        )
    )
    used = set(re.findall(r"\{#(\w+)\}", iss_text()))
    defined_here: set[str] = set()
    required: set[str] = set()
    previous = ("", "")
    for directive, rest in directive_lines():
        if directive in ("ifdef", "ifndef"):
            used.add(rest.strip())
        elif directive in ("if", "elif"):
            used |= identifiers(rest)
        elif directive == "define":
            name, _, expression = rest.partition(" ")
            defined_here.add(name)
            used |= identifiers(expression)
        elif directive == "error" and previous[0] == "ifndef":
            required.add(previous[1].strip())
        previous = (directive, rest)

    unknown = used - optional - defined_here - ISPP_BUILTINS
    assert not unknown, f"the script uses defines nobody passes or defaults: {unknown}"
    assert optional - used == set(), "iscc_command passes defines the script never reads"
    assert required == {"AppVersion", "AppGuid", "CountyCode", "SourceDir"}
    assert required <= passed
    # The optional ones have the script's defaults or are only tested with #ifdef.
    for name in optional - required:
        assert (("ifndef", name) in directive_lines()) or (("ifdef", name) in directive_lines())


def test_the_data_folder_is_the_apps_machine_wide_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # app/paths.py asks platformdirs for the site data dir of APP_NAME, no author folder: on
    # Windows that is CSIDL_COMMON_APPDATA\Lamplight, which Inno Setup calls {commonappdata}.
    asked: list[tuple[str, dict[str, object]]] = []

    def site_data_dir(appname: str, **kwargs: object) -> str:
        asked.append((appname, kwargs))
        return str(tmp_path / "ProgramData" / appname)

    monkeypatch.setattr(platformdirs, "site_data_dir", site_data_dir)
    monkeypatch.delenv(ENV_DATA_DIR, raising=False)
    resolve_data_dir()
    assert asked == [(APP_NAME, {"appauthor": False})]

    defines = dict(rest.split(" ", 1) for kind, rest in directive_lines() if kind == "define")
    assert defines["DataDir"] == f'"{{commonappdata}}\\{APP_NAME}"'
    # Nowhere else does the script name a folder under {commonappdata} (comments aside).
    code = [line for line in iss_text().splitlines() if not line.lstrip().startswith(";")]
    assert sum(line.count("{commonappdata}") for line in code) == 1


def test_every_user_may_write_the_data_folder_and_setup_never_removes_it() -> None:
    dirs = iss_section("Dirs")
    assert dirs == [
        'Name: "{#DataDir}"; Permissions: users-modify; Flags: uninsneveruninstall',
    ]
    for section in ("InstallDelete", "UninstallDelete", "Files"):
        for line in iss_section(section):
            assert "DataDir" not in line and "commonappdata" not in line, line


def test_uninstall_keeps_the_data_unless_asked() -> None:
    code = "\n".join(iss_section("Code"))
    assert "procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);" in code
    assert code.count("DelTree(") == 1
    delete = code.index("DelTree(")
    # A silent uninstall leaves before any question...
    silent = code.index("if UninstallSilent then")
    assert silent < delete
    assert code.index("Exit;", silent) < delete
    # ...and the question defaults to No (also when message boxes are suppressed).
    ask = code.index("SuppressibleMsgBox(FmtMessage(CustomMessage('DeleteAllData')")
    assert silent < ask < delete
    assert "MB_YESNO or MB_DEFBUTTON2, IDNO) <> IDYES then" in code[ask:delete]
    assert code.index("Exit;", ask) < delete


def test_setup_promises() -> None:
    setup = iss_section("Setup")
    for line in (
        "PrivilegesRequired=admin",
        "DefaultDirName={autopf}\\Lamplight-{#CountyCode}",
        "ArchitecturesInstallIn64BitMode=x64compatible",
        "ArchitecturesAllowed=x64compatible",
        "CloseApplications=yes",
        "OutputDir={#OutputDir}",
        "OutputBaseFilename={#OutputBaseFilename}",
        "UninstallDisplayIcon={app}\\Lamplight.exe",
    ):
        assert line in setup, line
    filters = next(x for x in setup if x.startswith("CloseApplicationsFilter="))
    assert {"*.exe", "*.dll", "*.pyd"} <= set(filters.split("=", 1)[1].split(","))

    assert iss_section("Languages") == [
        'Name: "chinesesimplified"; MessagesFile: "{#ChineseIsl}"',
        'Name: "english"; MessagesFile: "compiler:Default.isl"',
    ]
    messages = iss_section("CustomMessages")
    names = {line.split("=", 1)[0] for line in messages}
    for name in {n.split(".", 1)[1] for n in names}:
        assert {f"chinesesimplified.{name}", f"english.{name}"} <= names, name

    tasks = iss_section("Tasks")
    assert len(tasks) == 1 and tasks[0].startswith('Name: "desktopicon"')
    assert "unchecked" not in tasks[0]  # checked by default
    icons = iss_section("Icons")
    assert any(x.startswith('Name: "{autoprograms}\\{#DisplayName}"') for x in icons)
    assert any(x.startswith('Name: "{autodesktop}') and "Tasks: desktopicon" in x for x in icons)

    run = iss_section("Run")
    assert run[0] == '#if ImportStarter == "1"'
    assert 'Parameters: "import-starter --data-dir ""{#DataDir}"""' in run[1]
    assert "runhidden" in run[1] and "postinstall" not in run[1]


# --- the workflow ------------------------------------------------------------------------------


def workflow() -> dict[object, object]:
    yaml = pytest.importorskip("yaml")
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def workflow_runs() -> list[str]:
    (job,) = workflow()["jobs"].values()  # type: ignore[attr-defined]
    return [step["run"] for step in job["steps"] if "run" in step]


def test_the_workflow_parses_and_runs_on_windows() -> None:
    data = workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as true
    assert isinstance(triggers, dict)
    assert "workflow_dispatch" in triggers
    assert triggers["push"]["tags"] == ["v*"]
    (job,) = data["jobs"].values()  # type: ignore[attr-defined]
    assert job["runs-on"] == "windows-latest"
    python = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-"))
    assert python["with"]["python-version"] == "3.11"

    runs = "\n".join(workflow_runs())
    for expected in (
        'pip install -e ".[dev,build]"',
        "choco install innosetup",
        "python scripts/make_starter_pack.py build/demo-starter",
        "python build_installer.py --county counties/demo.toml --pack build/demo-starter --setup",
        "python -m pytest tests/unit -p no:cacheprovider",
        "'/VERYSILENT', '/SUPPRESSMSGBOXES', '/NORESTART'",
        "--self-test",
        "lamplight.sqlite3",
    ):
        assert expected in runs, expected
    uploads = [s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload-")]
    assert {s["with"]["path"] for s in uploads} >= {"${{ env.SETUP_EXE }}", "${{ env.BUILD_ZIP }}"}


def test_the_workflow_names_files_that_exist() -> None:
    runs = "\n".join(workflow_runs())
    named = set(re.findall(r"(?<![\w./-])((?:scripts|counties|installer|tests)/[\w./-]*\w)", runs))
    named |= set(re.findall(r"(?<![\w./-])(build_installer\.py)", runs))
    assert {"build_installer.py", "scripts/make_starter_pack.py", "counties/demo.toml"} <= named
    missing = sorted(path for path in named if not (REPO / path).exists())
    assert not missing, f"the workflow names files that are not in the repository: {missing}"

    imported = set(re.findall(r"from installer\.inno import (\w+)", runs))
    assert imported >= {"find_iscc", "fetch_chinese_messages", "app_id"}
    for name in imported:
        assert callable(getattr(inno, name, None)), name
