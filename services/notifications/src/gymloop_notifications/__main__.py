import uvicorn

from gymloop_notifications.app import create_app
from gymloop_notifications.settings import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
