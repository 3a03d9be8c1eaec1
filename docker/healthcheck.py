"""Container health check: GET /healthz on the local gunicorn, exit 0 when healthy.

Standard library only (no Django start-up every 30 seconds). The request names
the first host of ALLOWED_HOSTS, else Django would answer 400 Bad Request.
"""

import os
import sys
import urllib.error
import urllib.request


def host_header() -> str:
    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = hosts[0] if hosts else "localhost"
    if host == "*":
        return "localhost"
    # ".example.org" allows example.org and every subdomain.
    return host.lstrip(".")


def main() -> int:
    port = os.environ.get("PORT", "8000")
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"Host": host_header()}
    )
    try:
        with urllib.request.urlopen(request, timeout=4) as response:
            return 0 if response.status == 200 else 1
    except (urllib.error.URLError, OSError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
