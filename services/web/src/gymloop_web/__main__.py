from gymloop_kit.serve import serve

from gymloop_web.app import create_app
from gymloop_web.settings import WebSettings


def main() -> None:
    settings = WebSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
