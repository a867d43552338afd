"""Where the project's files are (templates, migrations), for the app factory and the schema check."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
