import os

# The browser tests drive Playwright's sync API, which runs an event loop in
# this thread; Django's ORM refuses that unless told it is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
