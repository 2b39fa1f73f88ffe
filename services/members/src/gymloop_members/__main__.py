from gymloop_kit.serve import serve

from gymloop_members.app import create_app
from gymloop_members.settings import MembersSettings


def main() -> None:
    settings = MembersSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
