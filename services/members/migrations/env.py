from gymloop_kit.migrations import run_env
from gymloop_members.db.models import Base

run_env(Base.metadata)
