"""The ``alliancelens`` console script: any management command, our settings."""

import os
import sys


def main() -> None:
    if sys.argv[1:2] == ["analyze"]:
        # The lens on a CSV file needs no web configuration.
        from alliancelens.analysis.cli import main as analyze

        sys.exit(analyze(sys.argv[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliancelens.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
