"""What notifications contributes to the studio export: staff notifications, messages to members with each
recipient's delivery, and info posts."""

from __future__ import annotations

from gymloop_kit.export_data import Column, Dataset

from gymloop_notifications.db.models import InfoPost, Message, MessageDelivery, Notification

NOTIFICATIONS = Dataset(
    name="notifications",
    description="Notifications for staff (birthdays, absence, trends, check-ups, custom)",
    studio_id=Notification.studio_id,
    order_by=(Notification.created_at, Notification.notification_id),
    columns=(
        Column("notification_id", Notification.notification_id, "the notification's id"),
        Column("member_id", Notification.member_id, "the member it is about"),
        Column("assignee_id", Notification.assignee_id, "the employee it is for (people.member_id)"),
        Column("kind", Notification.kind, "birthday, absence, trend, check_up or custom"),
        Column("title", Notification.title, "what it says"),
        Column("details", Notification.details, "the facts behind it, as JSON"),
        Column("due_date", Notification.due_date, "when it is due (YYYY-MM-DD)"),
        Column("status", Notification.status, "open, snoozed or done"),
        Column("snoozed_until", Notification.snoozed_until, "snoozed until (YYYY-MM-DD)"),
        Column("created_at", Notification.created_at, "when it was raised (ISO 8601, UTC)"),
        Column("created_by", Notification.created_by, "who raised it (custom ones)"),
        Column("done_at", Notification.done_at, "when it was done"),
        Column("done_by", Notification.done_by, "who did it"),
    ),
)

MESSAGES = Dataset(
    name="messages",
    description="Messages sent to members",
    studio_id=Message.studio_id,
    order_by=(Message.created_at, Message.message_id),
    columns=(
        Column("message_id", Message.message_id, "the message's id"),
        Column("subject", Message.subject, "its subject"),
        Column("body", Message.body, "its text"),
        Column("audience", Message.audience, "who it was meant for, as JSON"),
        Column("channels", Message.channels, "in_app and/or email, as JSON"),
        Column("created_by", Message.created_by, "who sent it"),
        Column("created_at", Message.created_at, "when (ISO 8601, UTC)"),
    ),
)

MESSAGE_DELIVERIES = Dataset(
    name="message_deliveries",
    description="Each message's delivery to each recipient, per channel",
    studio_id=MessageDelivery.studio_id,
    order_by=(MessageDelivery.message_id, MessageDelivery.member_id, MessageDelivery.channel),
    columns=(
        Column("message_id", MessageDelivery.message_id, "the message (messages.message_id)"),
        Column("member_id", MessageDelivery.member_id, "the recipient"),
        Column("channel", MessageDelivery.channel, "in_app or email"),
        Column("status", MessageDelivery.status, "pending, delivered, sent, failed, opted_out or unreachable"),
        Column("email", MessageDelivery.email, "the address it was mailed to"),
        Column("delivered_at", MessageDelivery.delivered_at, "when it was delivered (ISO 8601, UTC)"),
        Column("read_at", MessageDelivery.read_at, "when the member read it"),
    ),
)

INFO_POSTS = Dataset(
    name="info_posts",
    description="Info posts shown to members",
    studio_id=InfoPost.studio_id,
    order_by=(InfoPost.published_at, InfoPost.post_id),
    columns=(
        Column("post_id", InfoPost.post_id, "the post's id"),
        Column("title", InfoPost.title, "its title"),
        Column("body", InfoPost.body, "its text"),
        Column("author_id", InfoPost.author_id, "who wrote it"),
        Column("published_at", InfoPost.published_at, "when (ISO 8601, UTC)"),
        Column("edited_at", InfoPost.edited_at, "when staff last changed it (ISO 8601, UTC); empty if never"),
    ),
)

DATASETS = (NOTIFICATIONS, MESSAGES, MESSAGE_DELIVERIES, INFO_POSTS)
