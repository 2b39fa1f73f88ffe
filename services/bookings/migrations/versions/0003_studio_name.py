"""The studio's name moves out of the booking policy into studio_zone.name, followed from members'
StudioUpdated like the time zone (PUT /settings no longer takes it).

A database made by 0001 before this change has studio_settings.studio_name: a name its admins set (anything but
the old default) is kept in studio_zone.name until members' next StudioUpdated replaces it, and the column is
dropped. A studio without a zone row gets one in the default zone, which is what it counted in anyway. A database
made by a later 0001 never had the column; both paths end with the same schema."""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE studio_zone ADD COLUMN name TEXT")
    op.execute(
        """
        DO $$
        BEGIN
            IF EXISTS (
                SELECT 1 FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name = 'studio_settings'
                  AND column_name = 'studio_name'
            ) THEN
                INSERT INTO studio_zone (studio_id, time_zone, name)
                    SELECT studio_id, 'Europe/Amsterdam', studio_name FROM studio_settings
                    WHERE studio_name IS DISTINCT FROM 'Gymloop studio'
                ON CONFLICT (studio_id) DO UPDATE SET name = EXCLUDED.name;
                ALTER TABLE studio_settings DROP COLUMN studio_name;
            END IF;
        END $$;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE studio_settings ADD COLUMN studio_name TEXT NOT NULL DEFAULT 'Gymloop studio'")
    op.execute(
        "UPDATE studio_settings SET studio_name = z.name FROM studio_zone z"
        " WHERE z.studio_id = studio_settings.studio_id AND z.name IS NOT NULL"
    )
    op.execute("ALTER TABLE studio_settings ALTER COLUMN studio_name DROP DEFAULT")
    op.execute("ALTER TABLE studio_zone DROP COLUMN name")
