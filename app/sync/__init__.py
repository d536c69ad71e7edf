"""Talking to the county server: sync of records, the catalog, and resumable, verified downloads.

Nothing here imports Qt or :mod:`app.ui`; the UI runs these functions in a worker thread and
passes in the transport, the clock and a ``should_stop`` callback. Every stage commits what it
has finished (a catalog page, the bytes of a partial download), so a crash, a power cut or a
dropped connection resumes where it stopped.

Modules:
    errors: the exceptions below.
    transport: the HTTP transport protocol, its ``requests`` implementation and a fake for tests.
    client: :class:`~app.sync.client.ServerClient`, the typed ``/api/v1`` calls.
    catalog_sync: :func:`~app.sync.catalog_sync.refresh_catalog`.
    engine: :func:`~app.sync.engine.sync_once`, push and pull of records (docs/sync.md).
    downloads: :func:`~app.sync.downloads.download_asset`, one asset (docs/downloads.md).
    partial: the ``.part`` file of a download in progress and its verified move into the
        content store; checkpoint: its durable length and the fsync thread; verifier: the
        hashing thread that checks each block; throttle: the bandwidth cap; partial_sweep:
        removing partials no longer needed (the file came by USB, or the course was dropped).
    download_runner: :func:`~app.sync.download_runner.drain_queue`, the download queue's
        worker; policy: the download hours, cap and disk reserve.
    pack_import: reading a USB pack (:func:`~app.sync.pack_import.scan_pack`) and taking its
        courses in (:func:`~app.sync.pack_import.import_pack`); pack_copy: its copy workers
        and disk barrier (docs/usb-packs.md). pack_export: this PC's courses onto a pack.
    bundles: progress onto a stick and the county's receipts back (docs/bundles.md).
    drives: the removable drives plugged in.

Errors::

    SyncError
     ├── OfflineError          the server cannot be reached (refused, DNS, timeout, reset)
     ├── ServerError           the server answered an unexpected HTTP status (``.status``)
     ├── BadResponseError      the answer does not parse or is not what the API promises
     └── DownloadError         an asset could not be downloaded completely
          └── ChecksumError    the bytes do not match the asset's sha256; they were discarded

    app.storage.errors.DiskFullError   the disk is full (the partial download is kept);
     │                                 also what wire.blobs.DiskFull becomes here
     └── LowDiskSpaceError             only the reserve downloads must leave is free

Stopping on request (``should_stop``) is not an error: the call returns early and says so.
"""
