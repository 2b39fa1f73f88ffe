"""Benchmark workouts: the studio's workouts and how they are scored, which day a session type programs one, the
members' results per attended session (as entered and as a canonical score), the members who opted out of
leaderboards, and the member's gender that leaderboards group by."""

from alembic import op

revision = "0011"
down_revision = "0012"
branch_labels = None
depends_on = None

STATEMENTS = [
    "ALTER TABLE member ADD COLUMN gender TEXT",
    """CREATE TABLE benchmark_workout (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        scoring TEXT NOT NULL,
        lower_is_better BOOLEAN NOT NULL,
        reps_per_round INTEGER,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_benchmark_workout PRIMARY KEY (id),
        CONSTRAINT uq_benchmark_workout_studio_id_name UNIQUE (studio_id, name)
    )""",
    "CREATE INDEX ix_benchmark_workout_studio_id ON benchmark_workout (studio_id)",
    """CREATE TABLE benchmark_programming (
        studio_id UUID NOT NULL,
        session_type_id UUID NOT NULL,
        day DATE NOT NULL,
        workout_id UUID NOT NULL,
        CONSTRAINT pk_benchmark_programming PRIMARY KEY (studio_id, session_type_id, day)
    )""",
    "CREATE INDEX ix_benchmark_programming_workout_id ON benchmark_programming (workout_id)",
    """CREATE TABLE benchmark_result (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        workout_id UUID NOT NULL,
        member_id UUID NOT NULL,
        session_id UUID NOT NULL,
        value NUMERIC NOT NULL,
        unit TEXT NOT NULL,
        rounds INTEGER,
        score NUMERIC NOT NULL,
        scaling TEXT NOT NULL,
        note TEXT NOT NULL,
        recorded_by UUID NOT NULL,
        recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_benchmark_result PRIMARY KEY (id),
        CONSTRAINT uq_benchmark_result_session_id_member_id_workout_id UNIQUE (session_id, member_id, workout_id)
    )""",
    "CREATE INDEX ix_benchmark_result_workout ON benchmark_result (studio_id, workout_id, scaling, score)",
    "CREATE INDEX ix_benchmark_result_member ON benchmark_result (studio_id, member_id, workout_id)",
    "CREATE INDEX ix_benchmark_result_recorded ON benchmark_result (studio_id, recorded_at)",
    """CREATE TABLE benchmark_ranking_opt_out (
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        opted_out_at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_benchmark_ranking_opt_out PRIMARY KEY (studio_id, member_id)
    )""",
]


def upgrade() -> None:
    for statement in STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    for table in ("benchmark_ranking_opt_out", "benchmark_result", "benchmark_programming", "benchmark_workout"):
        op.execute(f"DROP TABLE {table}")
    op.execute("ALTER TABLE member DROP COLUMN gender")
