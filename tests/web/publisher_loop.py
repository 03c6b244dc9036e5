"""The publisher for the browser run: one pass a second, as the `publish-due-posts` flow does every minute
(the same `publisher.run_pass`, the same job runner), so a retry clicked in the calendar lands in seconds."""

from __future__ import annotations

import time

from api.publishing import publisher

if __name__ == "__main__":
    while True:
        publisher.run_pass()
        time.sleep(1)
