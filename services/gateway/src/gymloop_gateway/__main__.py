from gymloop_kit.serve import serve

from gymloop_gateway.app import create_app
from gymloop_gateway.settings import GatewaySettings


def main() -> None:
    settings = GatewaySettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
