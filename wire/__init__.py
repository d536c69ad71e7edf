"""Formats both sides of Lamplight agree on: the course folder, the catalog wire format, blobs.

The client (`app`) and the county server (`server`) both import this package and nothing in it
imports either of them, Qt, or a database.

Modules:
    course: the coordinator's course folder (``course.toml`` plus media) and its validation.
    api: the JSON documents exchanged over ``/api/v1``.
    blobs: the content-addressed blob store used by the server, the client and content packs.
"""

API_PREFIX = "/api/v1"
