"""Local storage of the client: SQLite through SQLAlchemy, and the content store on disk.

Nothing here imports Qt; the UI and the sync engine call into this package.

Errors::

    StorageError
     ├── DiskFullError        the disk is full; nothing was half-written
     ├── ProfileError
     │    ├── WrongPinError   the PIN did not match
     │    └── ProfileLockedError  too many wrong PINs; try again later
     └── DatabaseTooNewError  the database was written by a newer Lamplight
"""
