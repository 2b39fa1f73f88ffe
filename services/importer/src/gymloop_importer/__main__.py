import uvicorn
from gymloop_kit.settings import ServiceSettings

from gymloop_importer.app import create_app


def main() -> None:
    settings = ServiceSettings(service_name="importer")
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
