"""Device authentication: ``Authorization: Bearer <token>`` on every route but ``/info`` and
``/devices/enroll``.

The token is looked up by its sha256 (the only form the server keeps). No, or an unknown,
token answers 401 ``device_unknown`` (the PC must enroll again); a revoked device 403
``device_revoked``. ``device.last_seen`` is written at most once a minute per device, so
authentication adds no write to the hot paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from server.deps import SessionDep, SettingsDep
from server.devices import token_digest, touch
from server.errors import ApiError
from server.models import Device
from wire.sync import DEVICE_REVOKED, DEVICE_UNKNOWN

#: ``last_seen`` is refreshed when it is older than this.
TOUCH_EVERY = timedelta(minutes=1)

_bearer = HTTPBearer(
    auto_error=False,
    description="the device token from `POST /api/v1/devices/enroll`",
)


@dataclass(frozen=True)
class AuthedDevice:
    """The device a request comes from."""

    id: str
    school_id: int


def current_device(
    db: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AuthedDevice:
    """Resolves the request's bearer token to its device.

    Raises:
        ApiError: 401 ``device_unknown``, 403 ``device_revoked``.
    """
    if credentials is None or not credentials.credentials:
        raise ApiError(
            401, DEVICE_UNKNOWN, "this request needs a device token: enroll this PC first"
        )
    with db.begin():
        row = db.execute(
            select(Device.id, Device.school_id, Device.revoked_at, Device.last_seen).where(
                Device.token_sha256 == token_digest(credentials.credentials)
            )
        ).first()
    if row is None:
        raise ApiError(
            401, DEVICE_UNKNOWN, "this server does not know this device: enroll this PC again"
        )
    device_id, school_id, revoked_at, last_seen = row
    if revoked_at is not None:
        raise ApiError(403, DEVICE_REVOKED, "the county removed this device from the server")
    now = settings.clock()
    if now - last_seen >= TOUCH_EVERY:
        touch(db, device_id, now)
    return AuthedDevice(device_id, school_id)


DeviceDep = Annotated[AuthedDevice, Depends(current_device)]
