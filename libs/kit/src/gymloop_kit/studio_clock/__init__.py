"""One studio clock for every service: the zone read model followed from members' StudioUpdated (`read_model`),
and the pure rules of local days and month steps (`days`). See `read_model` for the rules on defaults and
unknown zones."""

from gymloop_kit.studio_clock.days import (
    DEFAULT_TIME_ZONE,
    LATEST_UTC_OFFSET,
    UnknownTimeZone,
    add_months,
    default_zone,
    latest_local_day,
    local_day,
    parse_time_zone,
)
from gymloop_kit.studio_clock.read_model import (
    ZoneFollowed,
    day_at,
    effective_zone,
    follow_studio_updated,
    record_zone,
    stored_time_zone,
    today,
    zone_of,
)
from gymloop_kit.studio_clock.table import metadata, studio_zone

__all__ = [
    "DEFAULT_TIME_ZONE",
    "LATEST_UTC_OFFSET",
    "UnknownTimeZone",
    "ZoneFollowed",
    "add_months",
    "day_at",
    "default_zone",
    "effective_zone",
    "follow_studio_updated",
    "latest_local_day",
    "local_day",
    "metadata",
    "parse_time_zone",
    "record_zone",
    "stored_time_zone",
    "studio_zone",
    "today",
    "zone_of",
]
