import os

from django.core.wsgi import get_wsgi_application

from portal import checks

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()
# gunicorn boots no worker (and exits) on settings that must not serve, e.g. the development
# SECRET_KEY with DEBUG off; runserver loads this module too.
checks.refuse_to_start()
