"""The studio's name moves out of studio_zone into a table of its own, so studio_zone has the kit's studio clock
shape (studio_id, time_zone) that every service shares. Names are kept; a studio without one keeps none.

CREATE TABLE IF NOT EXISTS: a database whose 0001 was made from models that already had studio_name has it."""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "CREATE TABLE IF NOT EXISTS studio_name (studio_id UUID NOT NULL, name TEXT NOT NULL,"
        " CONSTRAINT pk_studio_name PRIMARY KEY (studio_id))"
    )
    op.execute(
        "INSERT INTO studio_name (studio_id, name) SELECT studio_id, name FROM studio_zone WHERE name IS NOT NULL"
        " ON CONFLICT (studio_id) DO NOTHING"
    )
    op.execute("ALTER TABLE studio_zone DROP COLUMN name")


def downgrade() -> None:
    op.execute("ALTER TABLE studio_zone ADD COLUMN name TEXT")
    op.execute("UPDATE studio_zone SET name = n.name FROM studio_name n WHERE n.studio_id = studio_zone.studio_id")
    # A name without a zone row had one in the old shape too: in the zone bookings counted in by default.
    op.execute(
        "INSERT INTO studio_zone (studio_id, time_zone, name) SELECT studio_id, 'Europe/Amsterdam', name"
        " FROM studio_name ON CONFLICT (studio_id) DO NOTHING"
    )
    op.execute("DROP TABLE studio_name")
