import sys

from services.ledger.bootstrap import MIGRATIONS, build_app
from services.ledger.entrypoints.cli import commands
from services.ledger.settings import LedgerSettings
from shared.cli import main

sys.exit(main("ledger", LedgerSettings, build_app, MIGRATIONS, extra=commands()))
