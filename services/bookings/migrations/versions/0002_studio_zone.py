"""The studio's time zone moves out of the booking policy into studio_zone, followed from members'
StudioUpdated: a policy row no longer needs a zone, and the zone no longer needs a policy row.

A database made by 0001 before this change has studio_settings.time_zone (0001 was built from models.py until
it was written out as DDL): its values are kept in studio_zone (so nothing changes until members' event arrives)
and the column is dropped. A database made by a later 0001 never had the column; both paths end with the same
schema."""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE studio_zone (studio_id UUID NOT NULL, time_zone TEXT NOT NULL,"
        " CONSTRAINT pk_studio_zone PRIMARY KEY (studio_id))"
    )
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = 'studio_settings'
                  AND column_name = 'time_zone'
            ) THEN
                INSERT INTO studio_zone (studio_id, time_zone) SELECT studio_id, time_zone FROM studio_settings;
                ALTER TABLE studio_settings DROP COLUMN time_zone;
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE studio_settings ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Amsterdam'")
    op.execute(
        "UPDATE studio_settings SET time_zone = z.time_zone FROM studio_zone z"
        " WHERE z.studio_id = studio_settings.studio_id"
    )
    op.execute("ALTER TABLE studio_settings ALTER COLUMN time_zone DROP DEFAULT")
    op.execute("DROP TABLE studio_zone")
