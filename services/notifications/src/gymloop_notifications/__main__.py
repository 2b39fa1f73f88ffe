from gymloop_kit.serve import serve

from gymloop_notifications.app import create_app
from gymloop_notifications.settings import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
