"""``python -m app``: opens the app, or runs one of its commands.

Commands::

    python -m app [--data-dir D] [--server URL] [--lang zh_CN|en]   open the app
    python -m app demo [--reset]                                    the embedded demo
    python -m app enroll --code CODE [--name NAME] [--json]         enroll this PC
    python -m app enroll --from-stick DIR [--school S] [--json]     enroll from a USB stick
    python -m app sync --once [--json]                              sync now (scripts, tasks)
    python -m app download COURSE... | --list                       queue courses, show the queue
    python -m app import-pack DIR [--json]                          courses from a USB stick
    python -m app export-bundle DIR [--json]                        progress onto a USB stick
    python -m app export-pack DIR --course ID... [--json]           courses onto a USB stick
    python -m app import-starter [--json]                           the installer's starter courses
    python -m app --self-test [--data-dir D]                        check this installation

See :mod:`app.commands` for the exit status of ``enroll`` and ``sync``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app import __version__
from app.paths import ENV_DATA_DIR, resolve_data_dir


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app",
        description="Lamplight (灯火研修): offline-first training for teachers.",
    )
    parser.add_argument("--version", action="version", version=f"Lamplight {__version__}")
    parser.add_argument(
        "--data-dir",
        help=f"where courses and progress are kept (default: machine-wide; env {ENV_DATA_DIR})",
    )
    parser.add_argument("--server", help="address of the county server, e.g. http://10.1.2.3:8765")
    parser.add_argument("--lang", choices=["zh_CN", "en"], help="language (default: the system's)")
    parser.add_argument("--startup-probe", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--self-test",
        action="store_true",
        help="check this installation (database, county profile and key, window) and exit",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("run", help="open the app (what happens with no command)")
    demo = commands.add_parser(
        "demo",
        help="start a county server on this PC with the demo courses, and open the app on it",
    )
    demo.add_argument("--reset", action="store_true", help="start again from empty demo data")
    # Also accepted after the command (``python -m app demo --data-dir D``).
    demo.add_argument("--data-dir", default=argparse.SUPPRESS, help="where the demo keeps its data")
    demo.add_argument("--lang", choices=["zh_CN", "en"], default=argparse.SUPPRESS, help="language")

    def after_command(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--data-dir", default=argparse.SUPPRESS, help="the data directory")
        sub.add_argument("--server", default=argparse.SUPPRESS, help="the county server")
        sub.add_argument("--json", action="store_true", help="print one JSON object")

    enroll = commands.add_parser(
        "enroll",
        help="register this PC with the county server: with the school's code, or with a "
        "registration file the county put on a USB stick",
    )
    how = enroll.add_mutually_exclusive_group(required=True)
    how.add_argument("--code", help="the school's enrollment code (over the network)")
    how.add_argument(
        "--from-stick",
        metavar="DIR",
        help="take one registration file from the USB stick DIR (no network needed)",
    )
    enroll.add_argument("--name", help="a name for this PC (default: its host name; --code only)")
    enroll.add_argument(
        "--school",
        help="with --from-stick: take a registration of this school (when the stick has several)",
    )
    after_command(enroll)
    sync = commands.add_parser(
        "sync", help="send progress to the county server and fetch what is new"
    )
    sync.add_argument(
        "--once", action="store_true", help="sync once and exit (else: every few minutes)"
    )
    sync.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help="records per push (default: adapts to the link; a small N suits a very bad link)",
    )
    sync.add_argument(
        "--no-downloads", action="store_true", help="only sync records; leave the download queue"
    )
    after_command(sync)
    download = commands.add_parser(
        "download", help="queue courses for download, show the queue, or set download rules"
    )
    download.add_argument("courses", nargs="*", metavar="COURSE", help="course ids to queue")
    download.add_argument("--list", action="store_true", help="show the queue and the rules")
    download.add_argument(
        "--window", metavar="HH:MM-HH:MM", help='hours downloads may run ("" = any time)'
    )
    download.add_argument("--max-rate", metavar="RATE", help='bandwidth cap, e.g. "2 Mbit/s"')
    download.add_argument("--reserve", metavar="SIZE", help='disk left free, e.g. "1 GB"')
    pause = download.add_mutually_exclusive_group()
    pause.add_argument("--pause", action="store_true", help="hold every download")
    pause.add_argument("--resume", action="store_true", help="release held downloads")
    download.add_argument("--data-dir", default=argparse.SUPPRESS, help="the data directory")
    export_bundle = commands.add_parser(
        "export-bundle",
        help="take the county's receipts from a USB stick and write this PC's progress on it",
    )
    export_bundle.add_argument("folder", metavar="DIR", help="the stick, or its pack folder")
    export_bundle.add_argument("--data-dir", default=argparse.SUPPRESS, help="the data directory")
    export_bundle.add_argument("--json", action="store_true", help="print one JSON object")
    export_pack = commands.add_parser(
        "export-pack", help="copy courses from this PC to a USB pack, for another PC"
    )
    export_pack.add_argument("out", metavar="DIR", help="the pack folder on the stick")
    export_pack.add_argument(
        "--course", dest="courses", action="extend", nargs="+", required=True, metavar="ID"
    )
    after_command(export_pack)
    import_pack = commands.add_parser(
        "import-pack", help="copy the new courses of a USB pack (a stick, or its pack folder)"
    )
    import_pack.add_argument("folder", metavar="DIR", help="the stick, or its pack folder")
    import_pack.add_argument("--data-dir", default=argparse.SUPPRESS, help="the data directory")
    import_pack.add_argument("--json", action="store_true", help="print one JSON object")
    import_starter = commands.add_parser(
        "import-starter",
        help="import the courses shipped inside this installer (done by itself at first start)",
    )
    import_starter.add_argument("--data-dir", default=argparse.SUPPRESS, help="the data directory")
    import_starter.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if args.self_test:
        from app.self_test import run_self_test

        return run_self_test(args.data_dir, args.lang)
    if args.command == "demo":
        if getattr(sys, "frozen", False):
            print(
                "error: the demo needs the county server, which a county installer does not "
                "carry; run it from the source checkout (./scripts/demo.sh)",
                file=sys.stderr,
            )
            return 2
        from app.demo import run_demo

        return run_demo(data_dir=args.data_dir, language=args.lang, reset=args.reset)
    try:
        paths = resolve_data_dir(args.data_dir)
    except OSError as exc:
        print(f"error: cannot use the data directory: {exc}", file=sys.stderr)
        return 2
    if args.command == "enroll":
        from app.commands import run_enroll, run_enroll_from_stick

        if args.from_stick is not None:
            if args.name is not None:
                print("error: --name goes with --code; the county named this PC", file=sys.stderr)
                return 2
            from pathlib import Path

            return run_enroll_from_stick(
                paths, args.server, Path(args.from_stick), args.school, args.json
            )
        if args.school is not None:
            print("error: --school goes with --from-stick", file=sys.stderr)
            return 2
        return run_enroll(paths, args.server, args.code, args.name, args.json)
    if args.command == "sync":
        from app.commands import run_sync

        return run_sync(
            paths, args.server, args.once, args.json, args.batch_size, not args.no_downloads
        )
    if args.command == "download":
        from app.download_commands import DownloadArgs, run_download

        return run_download(
            paths,
            DownloadArgs(
                courses=args.courses,
                show=args.list,
                window=args.window,
                max_rate=args.max_rate,
                reserve=args.reserve,
                pause=args.pause,
                resume=args.resume,
            ),
        )
    if args.command == "export-bundle":
        from pathlib import Path

        from app.bundle_commands import run_export_bundle

        return run_export_bundle(paths, Path(args.folder), args.json)
    if args.command == "export-pack":
        from pathlib import Path

        from app.export_commands import run_export_pack

        return run_export_pack(paths, Path(args.out), args.courses, args.json)
    if args.command == "import-pack":
        from pathlib import Path

        from app.import_commands import run_import_pack

        return run_import_pack(paths, Path(args.folder), args.json)
    if args.command == "import-starter":
        from app.starter_commands import run_import_starter

        return run_import_starter(paths, args.json)
    try:
        from app.ui.run import run_gui
    except ImportError as exc:  # Qt's own libraries are missing: no window can be shown
        from app.self_test import qt_missing_message

        print(f"error: the window cannot open: {qt_missing_message(exc)}", file=sys.stderr)
        return 2
    return run_gui(paths, args.server, args.lang, startup_probe=args.startup_probe)
