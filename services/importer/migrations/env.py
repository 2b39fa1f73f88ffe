from gymloop_importer.db.models import Base
from gymloop_kit import studio_clock
from gymloop_kit.migrations import run_env

run_env(Base.metadata, studio_clock.metadata)
