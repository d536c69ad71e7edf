"""The Qt user interface. The only part of the client that imports PySide6."""
