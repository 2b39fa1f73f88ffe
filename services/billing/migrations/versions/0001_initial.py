"""Initial schema of billing: studio settings, plans, subscriptions, mandates, payment runs, payments, Stripe,
shop, overdue state, read models, and the kit's delivery tables.

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
    """CREATE TABLE charge (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        subscription_id UUID NOT NULL,
        plan_id UUID NOT NULL,
        description TEXT NOT NULL,
        amount_cents INTEGER NOT NULL,
        currency TEXT NOT NULL,
        due_on DATE NOT NULL,
        payment_run_id UUID,
        CONSTRAINT pk_charge PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_charge_member_id ON charge (member_id)",
    "CREATE INDEX ix_charge_open ON charge (studio_id, payment_run_id)",
    """CREATE TABLE mandate (
        member_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        mandate_reference TEXT NOT NULL,
        iban TEXT NOT NULL,
        account_holder TEXT NOT NULL,
        signed_on DATE,
        last_collected_iban TEXT,
        CONSTRAINT pk_mandate PRIMARY KEY (member_id),
        CONSTRAINT uq_mandate_studio_id_mandate_reference UNIQUE (studio_id, mandate_reference)
    )""",
    "CREATE INDEX ix_mandate_studio_id ON mandate (studio_id)",
    """CREATE TABLE member (
        member_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        first_name TEXT NOT NULL,
        last_name TEXT NOT NULL,
        email TEXT NOT NULL,
        start_date DATE NOT NULL,
        status TEXT NOT NULL,
        CONSTRAINT pk_member PRIMARY KEY (member_id)
    )""",
    "CREATE INDEX ix_member_studio_id ON member (studio_id)",
    """CREATE TABLE member_payment_state (
        member_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        state TEXT NOT NULL,
        failed_attempts INTEGER NOT NULL,
        CONSTRAINT pk_member_payment_state PRIMARY KEY (member_id)
    )""",
    "CREATE INDEX ix_member_payment_state_studio_id ON member_payment_state (studio_id)",
    """CREATE TABLE payment (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        amount_cents INTEGER NOT NULL,
        currency TEXT NOT NULL,
        method TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_retry_on DATE,
        payment_run_id UUID,
        subscription_id UUID,
        stripe_invoice_id TEXT,
        purchase_id UUID,
        stripe_payment_intent_id TEXT,
        CONSTRAINT pk_payment PRIMARY KEY (id),
        CONSTRAINT uq_payment_stripe_invoice_id UNIQUE (stripe_invoice_id)
    )""",
    "CREATE INDEX ix_payment_member_id ON payment (member_id)",
    "CREATE INDEX ix_payment_studio_id ON payment (studio_id)",
    "CREATE UNIQUE INDEX ux_payment_purchase ON payment (purchase_id)",
    "CREATE UNIQUE INDEX ux_payment_stripe_payment_intent ON payment (stripe_payment_intent_id)",
    """CREATE TABLE payment_run (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        collection_date DATE NOT NULL,
        period_label TEXT NOT NULL,
        message_id TEXT NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        item_count INTEGER NOT NULL,
        total_cents INTEGER NOT NULL,
        problems JSONB NOT NULL,
        file BYTEA,
        CONSTRAINT pk_payment_run PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_payment_run_studio_id ON payment_run (studio_id)",
    """CREATE TABLE plan (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        free BOOLEAN NOT NULL,
        price_cents INTEGER NOT NULL,
        currency TEXT NOT NULL,
        period TEXT NOT NULL,
        visible BOOLEAN NOT NULL,
        sessions INTEGER,
        valid_days INTEGER,
        valid_until DATE,
        weekly_limit INTEGER,
        active BOOLEAN NOT NULL,
        stripe_plan_id TEXT,
        CONSTRAINT pk_plan PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_plan_studio_id ON plan (studio_id)",
    """CREATE TABLE product (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        name TEXT NOT NULL,
        price_cents INTEGER NOT NULL,
        currency TEXT NOT NULL,
        active BOOLEAN NOT NULL,
        CONSTRAINT pk_product PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_product_studio_id ON product (studio_id)",
    """CREATE TABLE purchase (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        product_id UUID NOT NULL,
        product_name TEXT NOT NULL,
        quantity INTEGER NOT NULL,
        unit_price_cents INTEGER NOT NULL,
        currency TEXT NOT NULL,
        purchased_on DATE NOT NULL,
        settlement TEXT NOT NULL,
        payment_run_id UUID,
        CONSTRAINT pk_purchase PRIMARY KEY (id)
    )""",
    "CREATE INDEX ix_purchase_member_id ON purchase (member_id)",
    "CREATE INDEX ix_purchase_studio_id ON purchase (studio_id)",
    """CREATE TABLE stripe_customer (
        member_id UUID NOT NULL,
        studio_id UUID NOT NULL,
        stripe_customer_id TEXT NOT NULL,
        payment_method_id TEXT,
        payment_method_type TEXT,
        CONSTRAINT pk_stripe_customer PRIMARY KEY (member_id),
        CONSTRAINT uq_stripe_customer_stripe_customer_id UNIQUE (stripe_customer_id)
    )""",
    "CREATE INDEX ix_stripe_customer_studio_id ON stripe_customer (studio_id)",
    """CREATE TABLE stripe_event (
        event_id TEXT NOT NULL,
        studio_id UUID,
        event_type TEXT NOT NULL,
        created INTEGER NOT NULL,
        received_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
        CONSTRAINT pk_stripe_event PRIMARY KEY (event_id)
    )""",
    """CREATE TABLE studio_billing (
        studio_id UUID NOT NULL,
        collection_method TEXT NOT NULL,
        currency TEXT NOT NULL,
        overdue_members_may_book BOOLEAN NOT NULL,
        creditor_name TEXT,
        creditor_iban TEXT,
        creditor_id TEXT,
        creditor_bic TEXT,
        CONSTRAINT pk_studio_billing PRIMARY KEY (studio_id)
    )""",
    """CREATE TABLE subscription (
        id UUID NOT NULL,
        studio_id UUID NOT NULL,
        member_id UUID NOT NULL,
        plan_id UUID NOT NULL,
        start_date DATE NOT NULL,
        period_start DATE NOT NULL,
        valid_until DATE,
        credits INTEGER,
        status TEXT NOT NULL,
        paused_periods JSONB NOT NULL,
        cancelled_on DATE,
        end_date DATE,
        sequence INTEGER NOT NULL,
        stripe_subscription_id TEXT,
        CONSTRAINT pk_subscription PRIMARY KEY (id),
        CONSTRAINT uq_subscription_stripe_subscription_id UNIQUE (stripe_subscription_id)
    )""",
    "CREATE INDEX ix_subscription_member_id ON subscription (member_id)",
    "CREATE INDEX ix_subscription_studio_id ON subscription (studio_id)",
)


def upgrade() -> None:
    for statement in (*DELIVERY_TABLES, *SCHEMA):
        op.execute(statement)


# Downgrade drops each table before the tables its foreign keys point to.
DROPPED = (
    "subscription", "studio_billing", "stripe_event", "stripe_customer", "purchase", "product", "plan",
    "payment_run", "payment", "member_payment_state", "member", "mandate", "charge", "applied_sequence",
    "inbox", "outbox_sequence", "outbox",
)


def downgrade() -> None:
    for table in DROPPED:
        op.execute(f"DROP TABLE {table}")
    op.execute("DROP FUNCTION gymloop_outbox_notify()")
