"""Development entry point: ``python run.py`` is the same as ``lowlend run``."""

from lowlend.cli import main

if __name__ == "__main__":
    main(["run"])
