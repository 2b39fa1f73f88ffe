from gymloop_bookings.db.models import Base
from gymloop_kit import idempotency, studio_clock
from gymloop_kit.migrations import run_env

run_env(Base.metadata, studio_clock.metadata, idempotency.metadata)
