"""Initial schema of members: studios, accounts, memberships, tokens, mail outbox, tags, checklists, notes,
attachments, and the kit's delivery tables.

Written out as plain DDL, as it was when it was frozen: a revision that has run must never change, so it imports no
models and no kit tables. A schema change is a new revision after the last one."""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The kit's outbox (with the trigger that wakes the relay on commit), outbox_sequence, inbox and applied_sequence.
DELIVERY_TABLES = (
    """CREATE TABLE outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        event_id UUID NOT NULL,
        topic TEXT NOT NULL,
        partition_key TEXT NOT NULL,
        envelope JSONB NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        available_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        attempts INTEGER DEFAULT 0 NOT NULL,
        last_error TEXT,
        published_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_outbox PRIMARY KEY (id),
        CONSTRAINT uq_outbox_event_id UNIQUE (event_id)
    )""",
    "CREATE INDEX ix_outbox_pending ON outbox (available_at, id) WHERE published_at IS NULL",
    (
        "CREATE OR REPLACE FUNCTION gymloop_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "PERFORM pg_notify('gymloop_outbox', ''); RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION "
        "gymloop_outbox_notify()"
    ),
    """CREATE TABLE outbox_sequence (
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        last_sequence BIGINT NOT NULL,
        CONSTRAINT pk_outbox_sequence PRIMARY KEY (aggregate_type, aggregate_id)
    )""",
    """CREATE TABLE inbox (
        consumer TEXT NOT NULL,
        event_id UUID NOT NULL,
        event_type TEXT NOT NULL,
        received_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_inbox PRIMARY KEY (consumer, event_id)
    )""",
    """CREATE TABLE applied_sequence (
        consumer TEXT NOT NULL,
        aggregate_type TEXT NOT NULL,
        aggregate_id TEXT NOT NULL,
        sequence BIGINT NOT NULL,
        CONSTRAINT pk_applied_sequence PRIMARY KEY (consumer, aggregate_type, aggregate_id)
    )""",
)

SCHEMA = (
    """CREATE TABLE account (
        id UUID NOT NULL,
        email VARCHAR(320) NOT NULL,
        password_hash TEXT,
        password_changed_at TIMESTAMP WITH TIME ZONE,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_account PRIMARY KEY (id),
        CONSTRAINT uq_account_email UNIQUE (email)
    )""",
    """CREATE TABLE login_failure (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        email VARCHAR(320) NOT NULL,
        ip VARCHAR(64) NOT NULL,
        at TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT pk_login_failure PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_login_failure_email_at ON login_failure (email, at)",
    "CREATE INDEX ix_login_failure_ip_at ON login_failure (ip, at)",
    """CREATE TABLE mail_outbox (
        id BIGINT GENERATED ALWAYS AS IDENTITY,
        studio_id UUID,
        to_address VARCHAR(320) NOT NULL,
        subject VARCHAR(300) NOT NULL,
        body TEXT NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        available_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        attempts INTEGER NOT NULL,
        last_error TEXT,
        sent_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_mail_outbox PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_mail_outbox_pending ON mail_outbox (available_at) WHERE sent_at IS NULL",
    """CREATE TABLE studio (
        studio_id UUID NOT NULL,
        name VARCHAR(200) NOT NULL,
        timezone VARCHAR(64) NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_studio PRIMARY KEY (studio_id)
    )""",
    """CREATE TABLE checklist_template (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name VARCHAR(200) NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_checklist_template PRIMARY KEY (id),
        CONSTRAINT fk_checklist_template_studio_id_studio FOREIGN KEY (studio_id)
            REFERENCES studio (studio_id)
    )""",
    "CREATE INDEX ix_checklist_template_studio_id ON checklist_template (studio_id)",
    """CREATE TABLE membership (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        account_id UUID NOT NULL,
        role VARCHAR(16) NOT NULL,
        is_member BOOLEAN NOT NULL,
        status VARCHAR(16) NOT NULL,
        first_name VARCHAR(100) NOT NULL,
        last_name VARCHAR(100) NOT NULL,
        phone VARCHAR(40),
        birth_date DATE,
        address VARCHAR(500),
        start_date DATE NOT NULL,
        emergency_contact_name VARCHAR(200),
        emergency_contact_phone VARCHAR(40),
        responsible_employee_id UUID,
        photo_attachment_id UUID,
        archive_reason VARCHAR(500),
        archived_at TIMESTAMP WITH TIME ZONE,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        updated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_membership PRIMARY KEY (id),
        CONSTRAINT uq_membership_studio_id_account_id UNIQUE (studio_id, account_id),
        CONSTRAINT fk_membership_studio_id_studio FOREIGN KEY (studio_id) REFERENCES studio (studio_id),
        CONSTRAINT fk_membership_account_id_account FOREIGN KEY (account_id) REFERENCES account (id),
        CONSTRAINT fk_membership_responsible_employee_id_membership FOREIGN KEY (responsible_employee_id)
            REFERENCES membership (id)
    )""",
    "CREATE INDEX ix_membership_account_id ON membership (account_id)",
    "CREATE INDEX ix_membership_studio_id ON membership (studio_id)",
    "CREATE INDEX ix_membership_studio_status ON membership (studio_id, status)",
    """CREATE TABLE password_token (
        id UUID NOT NULL,
        account_id UUID NOT NULL,
        studio_id UUID,
        purpose VARCHAR(16) NOT NULL,
        token_hash VARCHAR(64) NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
        used_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_password_token PRIMARY KEY (id),
        CONSTRAINT fk_password_token_account_id_account FOREIGN KEY (account_id) REFERENCES account (id),
        CONSTRAINT uq_password_token_token_hash UNIQUE (token_hash)
    )""",
    "CREATE INDEX ix_password_token_account_id ON password_token (account_id)",
    """CREATE TABLE refresh_token (
        id UUID NOT NULL,
        family_id UUID NOT NULL,
        account_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        token_hash VARCHAR(64) NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        expires_at TIMESTAMP WITH TIME ZONE NOT NULL,
        used_at TIMESTAMP WITH TIME ZONE,
        revoked_at TIMESTAMP WITH TIME ZONE,
        CONSTRAINT pk_refresh_token PRIMARY KEY (id),
        CONSTRAINT fk_refresh_token_account_id_account FOREIGN KEY (account_id) REFERENCES account (id),
        CONSTRAINT fk_refresh_token_studio_id_studio FOREIGN KEY (studio_id) REFERENCES studio (studio_id),
        CONSTRAINT uq_refresh_token_token_hash UNIQUE (token_hash)
    )""",
    "CREATE INDEX ix_refresh_token_account_id ON refresh_token (account_id)",
    "CREATE INDEX ix_refresh_token_family_id ON refresh_token (family_id)",
    "CREATE INDEX ix_refresh_token_studio_id ON refresh_token (studio_id)",
    """CREATE TABLE tag (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name VARCHAR(60) NOT NULL,
        name_key VARCHAR(60) NOT NULL,
        color VARCHAR(16),
        CONSTRAINT pk_tag PRIMARY KEY (id),
        CONSTRAINT uq_tag_studio_id_name_key UNIQUE (studio_id, name_key),
        CONSTRAINT fk_tag_studio_id_studio FOREIGN KEY (studio_id) REFERENCES studio (studio_id)
    )""",
    "CREATE INDEX ix_tag_studio_id ON tag (studio_id)",
    """CREATE TABLE attachment (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        kind VARCHAR(16) NOT NULL,
        filename VARCHAR(200) NOT NULL,
        content_type VARCHAR(100) NOT NULL,
        size INTEGER NOT NULL,
        data BYTEA NOT NULL,
        uploaded_by_account_id UUID NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_attachment PRIMARY KEY (id),
        CONSTRAINT fk_attachment_member_id_membership FOREIGN KEY (member_id) REFERENCES membership (id)
    )""",
    "CREATE INDEX ix_attachment_member_id ON attachment (member_id)",
    "CREATE INDEX ix_attachment_studio_id ON attachment (studio_id)",
    """CREATE TABLE checklist_action (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        template_id UUID NOT NULL,
        position INTEGER NOT NULL,
        title VARCHAR(300) NOT NULL,
        CONSTRAINT pk_checklist_action PRIMARY KEY (id),
        CONSTRAINT fk_checklist_action_template_id_checklist_template FOREIGN KEY (template_id)
            REFERENCES checklist_template (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_checklist_action_studio_id ON checklist_action (studio_id)",
    "CREATE INDEX ix_checklist_action_template_id ON checklist_action (template_id)",
    """CREATE TABLE member_checklist (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        template_id UUID NOT NULL,
        name VARCHAR(200) NOT NULL,
        assigned_by_account_id UUID NOT NULL,
        assigned_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_member_checklist PRIMARY KEY (id),
        CONSTRAINT fk_member_checklist_member_id_membership FOREIGN KEY (member_id)
            REFERENCES membership (id),
        CONSTRAINT fk_member_checklist_template_id_checklist_template FOREIGN KEY (template_id)
            REFERENCES checklist_template (id)
    )""",
    "CREATE INDEX ix_member_checklist_member_id ON member_checklist (member_id)",
    "CREATE INDEX ix_member_checklist_studio_id ON member_checklist (studio_id)",
    """CREATE TABLE member_tag (
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        tag_id UUID NOT NULL,
        CONSTRAINT pk_member_tag PRIMARY KEY (member_id, tag_id),
        CONSTRAINT fk_member_tag_member_id_membership FOREIGN KEY (member_id)
            REFERENCES membership (id) ON DELETE CASCADE,
        CONSTRAINT fk_member_tag_tag_id_tag FOREIGN KEY (tag_id) REFERENCES tag (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_member_tag_studio_id ON member_tag (studio_id)",
    "CREATE INDEX ix_member_tag_tag_id ON member_tag (tag_id)",
    """CREATE TABLE note (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        author_account_id UUID NOT NULL,
        author_member_id UUID,
        body TEXT NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_note PRIMARY KEY (id),
        CONSTRAINT fk_note_member_id_membership FOREIGN KEY (member_id) REFERENCES membership (id)
    )""",
    "CREATE INDEX ix_note_member_id ON note (member_id)",
    "CREATE INDEX ix_note_studio_id ON note (studio_id)",
    """CREATE TABLE member_checklist_item (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        checklist_id UUID NOT NULL,
        position INTEGER NOT NULL,
        title VARCHAR(300) NOT NULL,
        done_at TIMESTAMP WITH TIME ZONE,
        done_by_account_id UUID,
        done_by_member_id UUID,
        CONSTRAINT pk_member_checklist_item PRIMARY KEY (id),
        CONSTRAINT fk_member_checklist_item_checklist_id_member_checklist FOREIGN KEY (checklist_id)
            REFERENCES member_checklist (id) ON DELETE CASCADE
    )""",
    "CREATE INDEX ix_member_checklist_item_checklist_id ON member_checklist_item (checklist_id)",
    "CREATE INDEX ix_member_checklist_item_studio_id ON member_checklist_item (studio_id)",
)


def upgrade() -> None:
    for statement in (*DELIVERY_TABLES, *SCHEMA):
        op.execute(statement)


# Downgrade drops each table before the tables its foreign keys point to.
DROPPED = (
    "member_checklist_item", "note", "member_tag", "member_checklist", "checklist_action", "attachment", "tag",
    "refresh_token", "password_token", "membership", "checklist_template", "studio", "mail_outbox",
    "login_failure", "account", "applied_sequence", "inbox", "outbox_sequence", "outbox",
)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP FUNCTION gymloop_outbox_notify()")
