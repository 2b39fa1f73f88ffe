from gymloop_kit.serve import serve

from gymloop_importer.app import create_app
from gymloop_importer.settings import ImporterSettings


def main() -> None:
    settings = ImporterSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
