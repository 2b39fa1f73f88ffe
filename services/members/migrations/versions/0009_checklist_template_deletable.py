"""A checklist template can be deleted while members have checklists made from it: each member's checklist already
holds its own name and actions (with who ticked what), so it only loses the link to the template."""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

FOREIGN_KEY = "fk_member_checklist_template_id_checklist_template"


def upgrade() -> None:
    op.execute("ALTER TABLE member_checklist ALTER COLUMN template_id DROP NOT NULL")
    op.execute(f"ALTER TABLE member_checklist DROP CONSTRAINT {FOREIGN_KEY}")
    op.execute(
        f"ALTER TABLE member_checklist ADD CONSTRAINT {FOREIGN_KEY} FOREIGN KEY (template_id)"
        " REFERENCES checklist_template (id) ON DELETE SET NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM member_checklist WHERE template_id IS NULL")
    op.execute(f"ALTER TABLE member_checklist DROP CONSTRAINT {FOREIGN_KEY}")
    op.execute(
        f"ALTER TABLE member_checklist ADD CONSTRAINT {FOREIGN_KEY} FOREIGN KEY (template_id)"
        " REFERENCES checklist_template (id)"
    )
    op.execute("ALTER TABLE member_checklist ALTER COLUMN template_id SET NOT NULL")
