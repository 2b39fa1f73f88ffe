from gymloop_kit import studio_clock
from gymloop_kit.migrations import run_env
from gymloop_notifications.db.models import Base

run_env(Base.metadata, studio_clock.metadata)
