import uvicorn

from gymloop_bookings.app import create_app
from gymloop_bookings.settings import BookingsSettings


def main() -> None:
    settings = BookingsSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
