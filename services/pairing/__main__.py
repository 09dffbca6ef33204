import sys

from services.pairing.bootstrap import MIGRATIONS, build_app
from services.pairing.settings import PairingSettings
from shared.cli import main

sys.exit(main("pairing", PairingSettings, build_app, MIGRATIONS))
