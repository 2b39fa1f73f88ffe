import uvicorn

from gymloop_members.app import create_app
from gymloop_members.settings import MembersSettings


def main() -> None:
    settings = MembersSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
