import sys

from services.intake.bootstrap import MIGRATIONS, build_app
from services.intake.entrypoints.cli import COMMANDS
from services.intake.settings import IntakeSettings
from shared.cli import main

sys.exit(main("intake", IntakeSettings, build_app, MIGRATIONS, extra=COMMANDS))
