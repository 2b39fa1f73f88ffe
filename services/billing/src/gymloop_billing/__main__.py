import uvicorn

from gymloop_billing.app import create_app
from gymloop_billing.settings import BillingSettings


def main() -> None:
    settings = BillingSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)


if __name__ == "__main__":
    main()
