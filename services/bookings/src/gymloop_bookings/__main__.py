from gymloop_kit.serve import serve

from gymloop_bookings.app import create_app
from gymloop_bookings.settings import BookingsSettings


def main() -> None:
    settings = BookingsSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
