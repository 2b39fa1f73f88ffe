from gymloop_kit.serve import serve

from gymloop_billing.app import create_app
from gymloop_billing.settings import BillingSettings


def main() -> None:
    settings = BillingSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
