"""What both sides of Lamplight share: the course folder, the wire format, blobs, SQLite set-up.

The client (`app`) and the county server (`server`) both import this package; nothing in it
imports either of them or Qt.

Modules:
    sqlite: SQLite tuned for power cuts, used by the client and the server alike.
    course: the coordinator's course folder (``course.toml`` plus media) and its validation.
    api: the JSON documents exchanged over ``/api/v1`` (catalog, info, errors).
    sync: the sync protocol: devices, teachers, records, push and pull.
    blobs: the content-addressed blob store used by the server, the client and content packs.
    blocks: block digests of an asset, for resumable verified downloads.
    canonical: canonical JSON and the bytes the county signs for a course.
    pack, pack_writer, pack_courses: the USB content pack (a signed folder), read and written.
    bundle: the progress bundle a PC writes to a stick, and the county's receipt.
    stick_enroll: device credentials the county issues onto a stick, for PCs with no network.
    forms: questionnaires and quizzes (form_checks: their rules; form_answers: what is shown,
        answer checks, scoring); expressions, expression_eval: the XLSForm expression subset.
"""

#: The version of Lamplight, app and server alike: the one place it is written (pyproject.toml
#: reads it from here; installers are named after it).
__version__ = "0.2.0"

API_PREFIX = "/api/v1"
