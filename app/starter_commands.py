"""``python -m app import-starter``: import the courses shipped inside this installer now.

The app does this by itself at first start (:mod:`app.ui.starter_dialog`); the command is for
whoever sets up PCs by script, or finishes an import a teacher put off. It imports the county
profile's starter pack (:func:`app.starter.import_starter`: the same signature checks as a USB
pack) unless this PC imported that very pack already, and answers like ``import-pack``
(:mod:`app.import_commands`): what the pack holds, a progress line on stderr, then a line per
course, or one JSON object with ``--json``.

Exit status (also ``exit`` in the JSON), as ``import-pack``:

    0  imported; or nothing to import (no starter pack in this build, or imported already)
    1  an unexpected error (a bug)
    2  the starter pack cannot be read at all, or the data directory cannot be used
    3  some courses were refused (signature, damaged files); the others were imported, and the
       pack counts as done (the refusal is in the log, it is not tried again)
    7  not enough free disk space (the download reserve included); run again once freed
    8  the installation's files could not be read mid-import; run again (or reinstall)
  130  interrupted (Ctrl+C); run again to finish
"""

from __future__ import annotations

from typing import TextIO

from app.county import CountyProfile
from app.import_commands import (
    EXIT_OK,
    EXIT_USAGE,
    CommandOutput,
    ctrl_c_stops,
    open_context,
)
from app.paths import DataPaths
from app.starter import import_starter, pending_starter, starter_root
from app.sync.pack_import import PackPlan, StopReason
from wire.pack import PackError


def run_import_starter(
    paths: DataPaths,
    as_json: bool,
    county: CountyProfile | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Imports this installer's starter pack unless it was imported already; returns the exit
    status (above).

    Args:
        county: the county profile whose starter pack and keys to use (default: this copy's).
    """
    out = CommandOutput(as_json, stdout, stderr)
    context = open_context(paths, county, out)
    if isinstance(context, int):
        return context
    progress = out.progress_line()
    try:
        root = starter_root(context)
        if root is None:
            return out.done(EXIT_OK, "nothing to import: this installation carries no starter pack")
        out.result["pack"] = str(root)
        if pending_starter(context) is None:
            return out.done(EXIT_OK, "nothing to import: the starter pack was imported already")
        plans: list[PackPlan] = []

        def show_plan(plan: PackPlan) -> None:
            plans.append(plan)
            out.plan(plan)

        with ctrl_c_stops() as interrupted:
            try:
                report = import_starter(context, progress, interrupted, on_plan=show_plan)
            except PackError as exc:
                return out.done(EXIT_USAGE, f"the starter pack cannot be imported: {exc}")
        if progress is not None:
            progress.finish()
        message = ""
        if report.stopped is StopReason.STICK_GONE:
            message = (
                f"the starter pack at {root} could not be read any more; run the command again "
                "(only what is missing is copied); if it fails again, reinstall Lamplight"
            )
        nothing_new = bool(plans) and not plans[0].importable()
        return out.imported(report, nothing_new=nothing_new, message=message)
    finally:
        if progress is not None:
            progress.finish()
        context.close()
