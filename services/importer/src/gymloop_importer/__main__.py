from gymloop_kit.serve import serve
from gymloop_kit.settings import ServiceSettings

from gymloop_importer.app import create_app


def main() -> None:
    settings = ServiceSettings(service_name="importer")
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
