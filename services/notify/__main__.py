import sys

from services.notify.bootstrap import MIGRATIONS, build_app
from services.notify.settings import NotifySettings
from shared.cli import main

sys.exit(main("notify", NotifySettings, build_app, MIGRATIONS))
